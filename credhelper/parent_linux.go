package main

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// parentConfigDir is the --config of the docker command that started this
// helper, read from /proc, or "" when the parent is not docker or named
// none.
func parentConfigDir() string {
	proc := filepath.Join("/proc", strconv.Itoa(os.Getppid()))
	f, err := os.Open(filepath.Join(proc, "cmdline"))
	if err != nil {
		return ""
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 256<<10))
	if err != nil {
		return ""
	}
	dir, ok := dockerConfigFlag(strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00"))
	if !ok {
		return ""
	}
	if !filepath.IsAbs(dir) {
		cwd, err := os.Readlink(filepath.Join(proc, "cwd"))
		if err != nil {
			return ""
		}
		dir = filepath.Join(cwd, dir)
	}
	return dir
}
