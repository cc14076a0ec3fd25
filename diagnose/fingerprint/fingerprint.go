// Package fingerprint names a secret without revealing it, so that a
// report can say two stores hold the same token: "hmac:" and the first 12
// hex digits of HMAC-SHA256 of the secret under a random 32-byte key kept
// for this installation in the state directory (File, mode 0600). An
// unsalted hash of a common password is in every dictionary; a keyed one
// means nothing off this machine.
//
// Only what writes state anyway creates the key: the credential helper
// when it journals, and configure (Keep). Diagnosis reads the key when it
// is there and otherwise makes one for the run (Load), so it writes
// nothing; its fingerprints then match within the run only.
package fingerprint

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
)

const (
	// File is the key's name in the state directory.
	File = "fingerprint.key"
	// Size is the key's length in bytes.
	Size = 32
	// Prefix starts every fingerprint: it says the hash is keyed.
	Prefix = "hmac:"
)

// lockWait bounds how long Keep waits for another run creating the key:
// the credential helper must not hang Docker on a stopped one.
const lockWait = 2 * time.Second

// ErrDamaged is returned, wrapped, for a key file of the wrong length.
var ErrDamaged = errors.New("not a fingerprint key")

// Key is a fingerprint key.
type Key struct{ b [Size]byte }

// New returns a random key, kept nowhere: for one run.
func New() *Key {
	var k Key
	_, _ = rand.Read(k.b[:]) // never fails (crypto/rand)
	return &k
}

// Of is the fingerprint of secret under k: Prefix and 12 hex digits, or ""
// for an empty secret.
func (k *Key) Of(secret string) string {
	if secret == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.b[:])
	m.Write([]byte(secret))
	return Prefix + hex.EncodeToString(m.Sum(nil)[:6])
}

// Read returns the key kept in dir, the state directory, and writes
// nothing. The error wraps fs.ErrNotExist when there is none, ErrDamaged
// for a file of the wrong length, and statedir.ErrNotRegular for a link
// or anything but a regular file with one name, which it refuses.
func Read(dir string) (*Key, error) {
	name := filepath.Join(dir, File)
	f, err := statedir.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var k Key
	switch n, err := io.ReadFull(f, k.b[:]); {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%s: %w (%d bytes, want %d)", name, ErrDamaged, n, Size)
	case err != nil:
		return nil, err
	}
	if m, _ := f.Read(make([]byte, 1)); m > 0 {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", name, ErrDamaged, Size)
	}
	return &k, nil
}

// Keep returns the key kept in dir, creating it (and dir) when there is
// none or it is damaged: for the commands that write state. Runs racing to
// create it end with one key, which all of them use: it is created under
// a lock, written to a temporary file and renamed into place, so a reader
// sees no key or a whole one. A key that is a link is refused, not
// replaced.
func Keep(dir string) (*Key, error) {
	if k, err := Read(dir); !absent(err) {
		return k, err
	}
	unlock, err := statedir.LockWithin(filepath.Join(dir, "locks", "fingerprint.lock"), lockWait)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if k, err := Read(dir); !absent(err) { // made while we waited
		return k, err
	}
	k := New()
	return k, write(dir, k)
}

// absent is an error of Read that Keep mends by creating the key.
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrDamaged)
}

func write(dir string, k *Key) error {
	tmp, err := os.CreateTemp(dir, File+".*.tmp") // O_EXCL, mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is none
	_, err = tmp.Write(k.b[:])
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, File))
}

// Load returns the key diagnosis uses: the installation's, from the state
// directory statedir.Dir(getenv) finds, or when there is none (or it is
// refused) a new one for this run. It writes nothing.
func Load(getenv func(string) string) *Key {
	if dir, ok := statedir.Dir(getenv); ok {
		if k, err := Read(dir); err == nil {
			return k
		}
	}
	return New()
}

// forRun is the key Of uses, loaded once for the process.
var forRun = sync.OnceValue(func() *Key { return Load(os.Getenv) })

// Of is the fingerprint of secret under the installation's key, or when
// there is none under a key for this run (Load): the same secret gets the
// same fingerprint for as long as the process runs. It writes nothing.
func Of(secret string) string {
	if secret == "" {
		return ""
	}
	return forRun().Of(secret)
}
