package setting

import "testing"

func TestBool(t *testing.T) {
	for _, tc := range []struct {
		v         string
		value, ok bool
	}{
		{"on", true, true}, {"TRUE", true, true}, {" yes ", true, true}, {"1", true, true},
		{"off", false, true}, {"False", false, true}, {"NO", false, true}, {"0", false, true},
		{"", false, false}, {"2", false, false}, {"enabled", false, false}, {"o n", false, false},
	} {
		value, ok := Bool(tc.v)
		if value != tc.value || ok != tc.ok {
			t.Errorf("Bool(%q) = %v, %v; want %v, %v", tc.v, value, ok, tc.value, tc.ok)
		}
		if On(tc.v) != (tc.ok && tc.value) || Off(tc.v) != (tc.ok && !tc.value) {
			t.Errorf("On(%q) = %v, Off = %v", tc.v, On(tc.v), Off(tc.v))
		}
	}
}
