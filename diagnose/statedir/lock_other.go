//go:build !unix

package statedir

import "os"

// Elsewhere there is no flock: writers are not serialised. Appends stay
// single writes; parallel renewals may each renew, each result valid.
func LockExclusive(*os.File) error { return nil }
func Unlock(*os.File)              {}

func tryLock(*os.File, bool) (bool, error) { return true, nil }
