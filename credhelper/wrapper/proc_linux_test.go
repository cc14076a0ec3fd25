package wrapper

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// FuzzParent: what another process's /proc files hold is read without a
// panic. The pid after a command name holding anything (')' and blanks
// too) is the pid written; a command line splits into the arguments it
// was made of; and a --config is found only in a docker command, as the
// value of a --config flag.
func FuzzParent(f *testing.F) {
	for _, s := range []struct {
		cmdline, comm string
		ppid          uint32
	}{
		{"docker\x00--config\x00/c\x00login\x00myreg.azurecr.io\x00", "docker", 4242},
		{"/usr/libexec/docker/cli-plugins/docker-buildx\x00-D\x00--config=rel\x00buildx\x00build\x00", "docker-buildx", 1},
		{"com.docker.cli\x00-H\x00--config\x00pull\x00", "a) S 7 (b", 31337},
		{"docker\x00\x00--config\x00", ") ) )", 0},
		{"", "", 2},
	} {
		f.Add([]byte(s.cmdline), []byte(s.comm), s.ppid)
	}
	f.Fuzz(func(t *testing.T, raw, comm []byte, ppid uint32) {
		stat := []byte("1234 (" + string(comm) + ") S " + strconv.FormatUint(uint64(ppid), 10) + " 1234 1234 0 -1 4194560 ")
		if got := statParent(stat); got != int(ppid) {
			t.Fatalf("statParent(%q) = %d, want %d", stat, got, ppid)
		}
		statParent(raw) // any bytes at all

		argv := cmdline(raw)
		if !bytes.Contains(raw, []byte{0}) && (len(argv) != 1 || argv[0] != string(raw)) {
			t.Fatalf("cmdline(%q) = %q", raw, argv)
		}
		// The arguments, written as the kernel writes them, read back.
		again := cmdline([]byte(strings.Join(argv, "\x00") + "\x00"))
		if strings.Join(again, "\x00") != strings.Join(argv, "\x00") || len(again) != len(argv) {
			t.Fatalf("cmdline(%q) = %q, and of that again %q", raw, argv, again)
		}
		dir, ok := dockerConfigFlag(argv)
		if !ok {
			if dir != "" {
				t.Fatalf("dockerConfigFlag(%q) = %q, not found", argv, dir)
			}
			return
		}
		if !dockerCommand(argv) || dir == "" || strings.Contains(dir, "\x00") {
			t.Fatalf("dockerConfigFlag(%q) = %q", argv, dir)
		}
		flag := false
		for i, a := range argv[1:] {
			flag = flag || a == "--config="+dir || a == "--config" && i+2 < len(argv) && argv[i+2] == dir
		}
		if !flag {
			t.Fatalf("dockerConfigFlag(%q) = %q, which no --config names", argv, dir)
		}
	})
}

// TestStatParent: the parent's pid is the second field after the last
// ")", whatever the command name holds.
func TestStatParent(t *testing.T) {
	for _, tc := range []struct {
		stat string
		want int
	}{
		{"4242 (docker) S 4200 4242 4200 0", 4200},
		{"4242 (a) b) S 17 4242", 17},
		{") S 7", 7},   // nothing before the name
		{"(x) S 9", 9}, // two fields after it, no more
		{"(x) S", 0},
		{"4242 docker S 4200", 0},
	} {
		if got := statParent([]byte(tc.stat)); got != tc.want {
			t.Errorf("statParent(%q) = %d, want %d", tc.stat, got, tc.want)
		}
	}
}
