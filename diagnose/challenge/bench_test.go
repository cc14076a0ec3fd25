package challenge

import "testing"

// BenchmarkParse reads the challenges a registry client parses on every 401.
func BenchmarkParse(b *testing.B) {
	for _, bm := range []struct {
		name    string
		headers []string
	}{
		{"ACR /v2/", []string{acrPing}},
		{"ACR push scope", []string{acrPush}},
		{"ACR Basic and Bearer", []string{acrBasic, acrPing}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			n := 0
			for _, h := range bm.headers {
				n += len(h)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if cs, err := Parse(bm.headers...); err != nil || len(cs) != len(bm.headers) {
					b.Fatalf("Parse = %v, %v", cs, err)
				}
			}
		})
	}
}
