//go:build unix

package statedir

import (
	"os"
	"syscall"
)

// LockExclusive and Unlock are flock(2) on f: advisory locks that other
// runs of acr-doctor honour, released when f is closed.
func LockExclusive(f *os.File) error { return flock(f, syscall.LOCK_EX) }
func Unlock(f *os.File)              { _ = flock(f, syscall.LOCK_UN) }

// tryLock takes f's lock, exclusive or shared, if no one holds it in a
// way that excludes that.
func tryLock(f *os.File, exclusive bool) (bool, error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := flock(f, how|syscall.LOCK_NB)
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
