// Package bounded keeps the programs acr-doctor runs (credential helpers,
// the Azure CLI, the plugin's renewal) within bounds: what is kept of
// their output, and what a timeout ends.
package bounded

import (
	"bytes"
	"errors"
	"strconv"
)

// MaxOutput bounds what is kept of a helper's stdout or stderr: a
// credential is a few KB, so more is a broken helper.
const MaxOutput = 1 << 20

// ErrOutputTooLong is what a Buffer's Write returns once the cap is
// passed.
var ErrOutputTooLong = errors.New("output longer than " + strconv.Itoa(MaxOutput) + " bytes")

// Buffer keeps the first MaxOutput bytes a program writes.
// Past that, Write fails: os/exec then stops copying and closes the pipe,
// and a helper that floods its output ends on SIGPIPE at once instead of
// filling memory until a timeout. The buffer is a field, not embedded: an
// embedded bytes.Buffer's ReadFrom would let io.Copy (what os/exec copies
// with) go around Write and its cap.
type Buffer struct {
	buf      bytes.Buffer
	overflow bool
}

func (c *Buffer) Write(p []byte) (int, error) {
	if room := MaxOutput - c.buf.Len(); len(p) > room {
		c.overflow = true
		c.buf.Write(p[:room]) // room >= 0: the buffer never passes the cap
		return room, ErrOutputTooLong
	}
	return c.buf.Write(p)
}

// Bytes is what was kept.
func (c *Buffer) Bytes() []byte { return c.buf.Bytes() }

// String is what was kept.
func (c *Buffer) String() string { return c.buf.String() }

// Err is ErrOutputTooLong once the cap was passed, else nil.
func (c *Buffer) Err() error {
	if c.overflow {
		return ErrOutputTooLong
	}
	return nil
}
