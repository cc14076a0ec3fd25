package wrapper

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// parent is the process that started this helper, as /proc shows it.
type parent struct {
	proc string // /proc/PID
	argv []string
}

// readParent reads the parent's command line; nil when it cannot.
func readParent() *parent {
	p := &parent{proc: filepath.Join("/proc", strconv.Itoa(os.Getppid()))}
	f, err := os.Open(filepath.Join(p.proc, "cmdline"))
	if err != nil {
		return nil
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 256<<10))
	if err != nil {
		return nil
	}
	p.argv = cmdline(raw)
	return p
}

// cmdline is the argv of /proc/PID/cmdline: NUL-terminated arguments.
func cmdline(raw []byte) []string {
	return strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
}

// docker reports whether the parent is a docker command: then this is no
// loop through a backend.
func (p *parent) docker() bool { return p != nil && dockerCommand(p.argv) }

// configDir is the --config of a docker parent, made absolute against the
// parent's working directory; "" when it named none.
func (p *parent) configDir() string {
	if p == nil {
		return ""
	}
	dir, ok := dockerConfigFlag(p.argv)
	if !ok {
		return ""
	}
	if !filepath.IsAbs(dir) {
		cwd, err := os.Readlink(filepath.Join(p.proc, "cwd"))
		if err != nil {
			return ""
		}
		dir = filepath.Join(cwd, dir)
	}
	return dir
}

// maxAncestors is how far up the process tree startedBySelf looks: a loop
// through a backend is this helper, a shell or two, and this helper again.
const maxAncestors = 6

// startedBySelf reports whether one of this process's near ancestors is
// this same program: the same file, or a copy of it. It is the loop guard
// that an environment scrubbed on the way (env -i, sudo) cannot defeat.
func startedBySelf() bool {
	self, err := os.Stat("/proc/self/exe")
	if err != nil {
		return false
	}
	pid := os.Getppid()
	for range maxAncestors {
		if pid <= 1 {
			return false
		}
		proc := filepath.Join("/proc", strconv.Itoa(pid))
		if exe, err := os.Stat(filepath.Join(proc, "exe")); err == nil &&
			(os.SameFile(exe, self) || exe.Size() == self.Size() && sameContents(filepath.Join(proc, "exe"), "/proc/self/exe")) {
			return true
		}
		if pid = parentOf(proc); pid == 0 {
			return false
		}
	}
	return false
}

// parentOf reads the parent's pid from /proc/PID/stat: the field after
// the command name, which is in parentheses and may hold anything.
func parentOf(proc string) int {
	b, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		return 0
	}
	return statParent(b)
}

// statParent is the parent's pid in the text of /proc/PID/stat; 0 when
// there is none to read.
func statParent(b []byte) int {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// sameContents compares two files whole: it runs only for an ancestor of
// exactly this program's size.
func sameContents(a, b string) bool {
	x, errA := os.ReadFile(a)
	y, errB := os.ReadFile(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
