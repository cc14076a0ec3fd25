//go:build unix

package statedir

import (
	"os"
	"syscall"
)

// LockShared, LockExclusive and Unlock are flock(2) on f: advisory locks
// that other runs of acr-doctor honour, released when f is closed.
func LockShared(f *os.File) error    { return flock(f, syscall.LOCK_SH) }
func LockExclusive(f *os.File) error { return flock(f, syscall.LOCK_EX) }
func Unlock(f *os.File)              { _ = flock(f, syscall.LOCK_UN) }

// tryLock takes an exclusive lock on f if no one holds one.
func tryLock(f *os.File) (bool, error) {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if err == syscall.EWOULDBLOCK {
		return false, nil
	}
	return err == nil, err
}

func flock(f *os.File, how int) error {
	for {
		if err := syscall.Flock(int(f.Fd()), how); err != syscall.EINTR {
			return err
		}
	}
}
