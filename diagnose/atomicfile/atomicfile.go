// Package atomicfile writes config files so that a reader (Docker, at any
// moment) sees the old file or the new one, never half of one.
package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces name with data through a temporary file in the same
// directory, so a reader sees the old file or the new, never half of one.
// A symlinked config.json has its target replaced (or made, when the
// link dangles), as Docker does.
func Write(name string, data []byte, mode fs.FileMode) error {
	return WriteIf(name, data, mode, nil)
}

// WriteIf is Write, with a last check: unchanged runs once the new
// contents are on disk, just before they replace name, and its error
// stops the write. Docker rewrites config.json without a lock, so this is
// where a writer makes sure it is not about to drop Docker's change.
func WriteIf(name string, data []byte, mode fs.FileMode, unchanged func() error) error {
	name = Target(name)
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".acrdoctor-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if unchanged != nil {
		if err := unchanged(); err != nil {
			return err
		}
	}
	return os.Rename(tmp.Name(), name)
}

// Target is where name's symbolic links lead, whether or not the last
// target exists: the file a write of name replaces.
func Target(name string) string {
	for range 40 { // the kernel's own limit on links followed
		target, err := os.Readlink(name)
		if err != nil {
			return name
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(name), target)
		}
		name = target
	}
	return name
}
