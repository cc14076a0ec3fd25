package credstore

import (
	"bytes"
	"fmt"
)

// MaxHelperOutput bounds what is kept of a helper's stdout or stderr: a
// credential is a few KB, so more is a broken helper.
const MaxHelperOutput = 1 << 20

// ErrOutputTooLong is what a CappedBuffer's Write returns once the cap is
// passed.
var ErrOutputTooLong = fmt.Errorf("output longer than %d bytes", MaxHelperOutput)

// CappedBuffer keeps the first MaxHelperOutput bytes a program writes.
// Past that, Write fails: os/exec then stops copying and closes the pipe,
// and a helper that floods its output ends on SIGPIPE at once instead of
// filling memory until a timeout. The buffer is a field, not embedded: an
// embedded bytes.Buffer's ReadFrom would let io.Copy (what os/exec copies
// with) go around Write and its cap.
type CappedBuffer struct {
	buf      bytes.Buffer
	overflow bool
}

func (c *CappedBuffer) Write(p []byte) (int, error) {
	if room := MaxHelperOutput - c.buf.Len(); len(p) > room {
		c.overflow = true
		c.buf.Write(p[:room]) // room >= 0: the buffer never passes the cap
		return room, ErrOutputTooLong
	}
	return c.buf.Write(p)
}

// Bytes is what was kept.
func (c *CappedBuffer) Bytes() []byte { return c.buf.Bytes() }

// String is what was kept.
func (c *CappedBuffer) String() string { return c.buf.String() }

// Err is ErrOutputTooLong once the cap was passed, else nil.
func (c *CappedBuffer) Err() error {
	if c.overflow {
		return ErrOutputTooLong
	}
	return nil
}
