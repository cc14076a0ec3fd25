// Package hermetic builds the PATH that tests run programs with: the
// machine's own tools, minus those that would change what is tested.
// The Azure CLI would join the renewal chain and ask a real Azure AD; a
// credential helper on the machine would be Docker's default store. A
// test that wants one puts its own, real or fake, first on PATH.
package hermetic

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Excluded reports whether the program name is left out of Tools.
func Excluded(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	return name == "az" || name == "az.cmd" || strings.HasPrefix(name, "docker-credential-")
}

// Tools fills dir with links to every program on PATH that is not
// Excluded, first found first, and returns dir for use as PATH.
func Tools(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	seen := map[string]bool{}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name := e.Name()
			if seen[name] || Excluded(name) || e.IsDir() {
				continue
			}
			seen[name] = true
			target := filepath.Join(d, name)
			if fi, err := os.Stat(target); err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
				continue
			}
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				return "", err
			}
		}
	}
	return dir, nil
}

// Resolver gives the programs a test runs name resolution the test
// controls, so that neither the machine's /etc/hosts nor its DNS changes
// what they do: run through Command, a program sees (in a mount namespace
// of its own, on Linux with unshare) an /etc/hosts that maps the names
// added to a documentation address, never loopback, and an
// /etc/resolv.conf naming a server on a documentation network, which no
// query reaches. The Docker CLI looks every registry up to see whether it
// is on loopback, and then skips TLS verification: that must not depend
// on the machine.
type Resolver struct {
	// prefix runs sh -c mountScript, with whatever PATH the program gets:
	// unshare, its flags and sh, all by absolute path; nil where no mount
	// namespace is to be had.
	prefix []string
	mount  string
	hosts  string
	resolv string

	mu    sync.Mutex
	names map[string]bool
}

// Address is what every added name resolves to: TEST-NET-2 (RFC 5737).
const Address = "198.51.100.7"

// NewResolver keeps its files in dir. Where no mount namespace can be
// made (not Linux, no unshare, user namespaces off), Command runs programs
// as they are, and Isolated says so.
func NewResolver(dir string) (*Resolver, error) {
	r := &Resolver{hosts: filepath.Join(dir, "hosts"), resolv: filepath.Join(dir, "resolv.conf"), names: map[string]bool{}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(r.resolv, []byte("nameserver 192.0.2.53\noptions timeout:1 attempts:1\n"), 0o644); err != nil {
		return nil, err
	}
	if err := r.write(); err != nil {
		return nil, err
	}
	unshare, errU := exec.LookPath("unshare")
	sh, errS := exec.LookPath("sh")
	mount, errM := exec.LookPath("mount")
	truePath, errT := exec.LookPath("true")
	if errU != nil || errS != nil || errM != nil || errT != nil {
		return r, nil
	}
	r.mount = mount
	for _, flags := range [][]string{{"--mount"}, {"--user", "--map-root-user", "--mount"}} {
		prefix := append(append([]string{unshare}, flags...), "--", sh, "-c", r.script())
		if exec.Command(prefix[0], append(prefix[1:], truePath, r.hosts, r.resolv)...).Run() == nil {
			r.prefix = prefix
			break
		}
	}
	return r, nil
}

// script puts the resolver's files in place, then runs the program:
// sh -c SCRIPT PROGRAM HOSTS RESOLV ARGS...
func (r *Resolver) script() string {
	return fmt.Sprintf(`%[1]s --bind "$1" /etc/hosts && %[1]s --bind "$2" /etc/resolv.conf && shift 2 && exec "$0" "$@"`, r.mount)
}

// Isolated reports whether programs run with the resolver's files.
func (r *Resolver) Isolated() bool { return r.prefix != nil }

// Add maps names to Address from now on.
func (r *Resolver) Add(names ...string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		r.names[strings.ToLower(n)] = true
	}
	return r.write()
}

// write rewrites the hosts file in place: a bind mount holds the file, not
// its name. A reader that catches it half written finds a name missing,
// which resolves nowhere: not loopback either.
func (r *Resolver) write() error {
	var b strings.Builder
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
	names := make([]string, 0, len(r.names))
	for n := range r.names {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s\t%s\n", Address, n)
	}
	return os.WriteFile(r.hosts, []byte(b.String()), 0o644)
}

// Command is exec.Command for path, run with the resolver's files.
func (r *Resolver) Command(path string, args ...string) *exec.Cmd {
	if r.prefix == nil {
		return exec.Command(path, args...)
	}
	argv := append(slices.Clone(r.prefix[1:]), path, r.hosts, r.resolv)
	return exec.Command(r.prefix[0], append(argv, args...)...)
}

// ShortDir makes a folder whose path leaves room for a socket in it, as
// gpg-agent makes in GNUPGHOME (a socket path has about 108 bytes): under
// /tmp where there is one, whatever TMPDIR says, and removes it at the
// end of the test.
func ShortDir(t interface {
	Helper()
	Fatal(...any)
	Cleanup(func())
}, prefix string) string {
	t.Helper()
	base := "/tmp"
	if fi, err := os.Stat(base); err != nil || !fi.IsDir() {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
