package bounded

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestBuffer: past MaxOutput bytes Write fails and the rest
// is dropped, whether written in pieces or copied as os/exec copies a
// helper's output.
func TestBuffer(t *testing.T) {
	var c Buffer
	if n, err := c.Write(bytes.Repeat([]byte("a"), MaxOutput-10)); err != nil || n != MaxOutput-10 || c.Err() != nil {
		t.Fatalf("Write below the cap = %d, %v, Err %v", n, err, c.Err())
	}
	if n, err := c.Write(bytes.Repeat([]byte("b"), 10)); err != nil || n != 10 || c.Err() != nil {
		t.Fatalf("Write up to the cap exactly = %d, %v, Err %v", n, err, c.Err())
	}
	if n, err := c.Write([]byte("c")); !errors.Is(err, ErrOutputTooLong) || n != 0 || !errors.Is(c.Err(), ErrOutputTooLong) {
		t.Fatalf("Write past the cap = %d, %v, Err %v", n, err, c.Err())
	}
	if got := c.String(); len(got) != MaxOutput || got[len(got)-1] != 'b' {
		t.Errorf("kept %d bytes ending %q, want %d ending in b", len(got), got[len(got)-1:], MaxOutput)
	}

	var part Buffer
	part.Write(bytes.Repeat([]byte("a"), MaxOutput-3))
	if n, err := part.Write([]byte("bcdef")); !errors.Is(err, ErrOutputTooLong) || n != 3 {
		t.Fatalf("Write across the cap = %d, %v", n, err)
	}
	if got := part.Bytes(); len(got) != MaxOutput || !bytes.HasSuffix(got, []byte("abcd")) {
		t.Errorf("kept %d bytes ending %q, want the room filled", len(got), got[len(got)-4:])
	}

	var copied Buffer
	if _, err := io.Copy(&copied, bytes.NewReader(make([]byte, 3*MaxOutput))); !errors.Is(err, ErrOutputTooLong) {
		t.Fatalf("io.Copy = %v, want ErrOutputTooLong", err)
	}
	if len(copied.Bytes()) != MaxOutput {
		t.Errorf("io.Copy kept %d bytes, want %d", len(copied.Bytes()), MaxOutput)
	}
}
