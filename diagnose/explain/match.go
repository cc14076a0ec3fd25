package explain

import (
	"bytes"
	"strings"
)

// matcher finds, in one pass over a line, every occurrence of a fixed set
// of lower-case keywords. It is what keeps Explain linear on a 4 MiB log:
// a line that holds none of the few hundred keywords of the error language
// costs one table probe per byte and nothing else.
//
// Each keyword is indexed by its first three bytes. A 64 Ki-bit filter over
// a hash of those bytes answers "no keyword starts here" for nearly every
// position of ordinary text; where it says maybe, the keywords sharing the
// hash are compared in full.
type matcher struct {
	keys   []string
	kb     [][]byte // keys as bytes, compared without a conversion
	filter [1 << 16 / 64]uint64
	// start[h]:start[h+1] is the run of ids holding the keywords whose
	// first three bytes hash to h.
	start []uint32
	ids   []uint32
	// pairs holds every two adjacent bytes of any keyword: no keyword
	// runs across a seam whose two sides are not one of them.
	pairs [1 << 16 / 64]uint64
}

// minKey is the shortest keyword a matcher takes.
const minKey = 3

func tri(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

func hash16(t uint32) uint32 { return (t * 2654435761) >> 16 & 0xffff }

// newMatcher indexes keys, each at least minKey bytes of lower-case text;
// a shorter key is a programming error and panics.
func newMatcher(keys []string) *matcher {
	m := &matcher{keys: keys, start: make([]uint32, 1<<16+1)}
	for _, k := range keys {
		m.kb = append(m.kb, []byte(k))
		if len(k) < minKey {
			panic("explain: keyword too short: " + k)
		}
		h := hash16(tri([]byte(k)))
		m.filter[h/64] |= 1 << (h % 64)
		m.start[h+1]++
		for i := 1; i < len(k); i++ {
			p := uint32(k[i-1])<<8 | uint32(k[i])
			m.pairs[p/64] |= 1 << (p % 64)
		}
	}
	for h := 1; h < len(m.start); h++ {
		m.start[h] += m.start[h-1]
	}
	m.ids = make([]uint32, len(keys))
	next := append([]uint32(nil), m.start[:1<<16]...)
	for i, k := range keys {
		h := hash16(tri([]byte(k)))
		m.ids[next[h]] = uint32(i)
		next[h]++
	}
	return m
}

// scan calls hit with the index of each keyword found in lo and the byte
// offset where it starts, in order of offset.
func (m *matcher) scan(lo []byte, hit func(key, at int)) { m.scanStarts(lo, len(lo), hit) }

// scanStarts is scan for the keywords that start before offset n. The
// three bytes at each offset are rolled in, not re-read.
func (m *matcher) scanStarts(lo []byte, n int, hit func(key, at int)) {
	if len(lo) < minKey {
		return
	}
	n = min(n, len(lo)-minKey+1)
	t := uint32(lo[0]) | uint32(lo[1])<<8
	for i := 0; i < n; i++ {
		t |= uint32(lo[i+2]) << 16
		if h := hash16(t); m.filter[h/64]&(1<<(h%64)) != 0 {
			for _, id := range m.ids[m.start[h]:m.start[h+1]] {
				if bytes.HasPrefix(lo[i:], m.kb[id]) {
					hit(int(id), i)
				}
			}
		}
		t >>= 8
	}
}

// pair reports whether some keyword holds byte a followed by byte b.
func (m *matcher) pair(a, b byte) bool {
	p := uint32(a)<<8 | uint32(b)
	return m.pairs[p/64]&(1<<(p%64)) != 0
}

// lowerString is s in ASCII lower case, copied once.
func lowerString(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var buf []byte
	for len(s) > 0 {
		n := min(len(s), 32<<10)
		buf = lowerASCII(buf, s[:n])
		b.Write(buf)
		s = s[n:]
	}
	return b.String()
}

// lowerASCII writes s into buf in ASCII lower case and returns it. Only
// ASCII is folded, so byte offsets in the result are offsets in s.
func lowerASCII(buf []byte, s string) []byte {
	buf = append(buf[:0], s...)
	for i, c := range buf {
		if 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return buf
}
