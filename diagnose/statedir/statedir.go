// Package statedir is where acr-doctor keeps the files it owns: the
// credential helper's journal and locks, and the records and backups that
// let `configure --undo` and the uninstaller revert what configure did.
// Nothing else of the tool writes outside config.json.
package statedir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// Dir is $XDG_STATE_HOME/acr-doctor when XDG_STATE_HOME is an absolute
// path, else the platform's state directory: ~/.local/state/acr-doctor on
// Linux and other Unix, ~/Library/Application Support/acr-doctor on
// macOS, %LocalAppData%\acr-doctor on Windows. ok is false when no home
// directory is known.
//
// A state folder that is a symbolic link (or not a folder) is no state
// folder: what the tool keeps there would land wherever the link points.
func Dir(getenv func(string) string) (dir string, ok bool) {
	dir, ok = dirOn(runtime.GOOS, getenv)
	if !ok {
		return "", false
	}
	if fi, err := os.Lstat(dir); err == nil && !fi.IsDir() {
		return "", false
	}
	return dir, true
}

// dirOn is Dir as it is on the platform goos.
func dirOn(goos string, getenv func(string) string) (dir string, ok bool) {
	const name = "acr-doctor"
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, name), true
	}
	switch goos {
	case "windows":
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, name), true
		}
	case "darwin", "ios":
		if h := homeOn(goos, getenv); h != "" {
			return filepath.Join(h, "Library", "Application Support", name), true
		}
	default:
		if h := homeOn(goos, getenv); h != "" {
			return filepath.Join(h, ".local", "state", name), true
		}
	}
	return "", false
}

// Home is the user's home directory as Docker finds it: HOME, else (on
// Unix) the user's entry in the password database. It is never a relative
// path: "" when there is none.
func Home(getenv func(string) string) string {
	return homeOn(runtime.GOOS, getenv)
}

// homeOn is Home as it is on the platform goos.
func homeOn(goos string, getenv func(string) string) string {
	h := getenv("HOME")
	if goos == "windows" && h == "" {
		h, _ = os.UserHomeDir()
	}
	if h == "" {
		if u, err := user.Current(); err == nil {
			h = u.HomeDir
		}
	}
	if !filepath.IsAbs(h) {
		return ""
	}
	return h
}

// Sub is the folder name inside dir, created mode 0700 with its parents.
// A folder that is a symbolic link is refused: what the tool writes there
// (locks, and configure's copies of config.json) goes where it was meant
// to or nowhere.
func Sub(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	if err := mkdir(p); err != nil {
		return "", err
	}
	return p, nil
}

// mkdir makes the folder p and its parents, and refuses p if it is a
// symbolic link.
func mkdir(p string) error {
	if err := os.MkdirAll(p, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		err = fmt.Errorf("%s: a symbolic link, not a folder of acr-doctor's", p)
	}
	return err
}

// ErrNotRegular is returned, wrapped, for a state file that is a link,
// a FIFO or a device: the tool owns its state files and never follows or
// blocks on one planted in their place.
var ErrNotRegular = errors.New("not a regular file")

// OpenFile opens a state file without following a symbolic link in its
// last element, and refuses anything but a regular file with one name. flag and perm are
// as for os.OpenFile.
func OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag|noFollow|nonBlock, perm)
	if err != nil {
		if isLoop(err) {
			return nil, fmt.Errorf("%s: %w (a symbolic link)", name, ErrNotRegular)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w (%s)", name, ErrNotRegular, fi.Mode().Type())
	}
	if hardLinked(fi) {
		f.Close()
		return nil, fmt.Errorf("%s: %w (a hard link)", name, ErrNotRegular)
	}
	return f, nil
}

func isLoop(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && errno == eloop
}

// Lock takes an exclusive lock on the lock file name, creating it, and
// returns the function that releases it.
func Lock(name string) (unlock func(), err error) {
	return LockWithin(name, 0)
}

// ErrLockHeld is returned, wrapped, when LockWithin gave up waiting.
var ErrLockHeld = errors.New("held by another process")

// LockWithin is Lock, waiting at most d for a holder to let go (a holder
// stopped with Ctrl-Z never does); 0 waits as long as it takes.
func LockWithin(name string, d time.Duration) (unlock func(), err error) {
	if err := mkdir(filepath.Dir(name)); err != nil {
		return nil, err
	}
	f, err := OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if d <= 0 {
		err = LockExclusive(f)
	} else {
		err = lockWithin(f, true, d)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return func() { Unlock(f); f.Close() }, nil
}

// LockSharedWithin and LockExclusiveWithin take f's lock, shared or
// exclusive, waiting at most d for its holder: ErrLockHeld after that.
func LockSharedWithin(f *os.File, d time.Duration) error    { return lockWithin(f, false, d) }
func LockExclusiveWithin(f *os.File, d time.Duration) error { return lockWithin(f, true, d) }

func lockWithin(f *os.File, exclusive bool, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		ok, err := tryLock(f, exclusive)
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return ErrLockHeld
		}
		time.Sleep(25 * time.Millisecond)
	}
}
