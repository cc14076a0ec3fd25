// Command docker-credential-fake is a credential helper for tests: it keeps
// each credential as a JSON file in $FAKE_STORE, and answers through the
// credentials package, so its output is what real helpers print.
//
// FAKE_EMPTY=1 makes get answer an empty credential with exit 0, as
// Debian's docker-credential-pass 0.6.4 does. FAKE_STDERR is written to
// stderr on every call. FAKE_FAIL makes every call print it and exit 3.
// FAKE_LOG names a file each call appends its action to, one line each,
// so a test can tell which calls were made. FAKE_FAIL_STORE makes store
// alone fail so ("echo": with what it was given); FAKE_FAIL_ERASE=SERVER, the erase of SERVER alone.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker-credential-helpers/credentials"
)

type store struct{ dir string }

func (s store) file(url string) string {
	return filepath.Join(s.dir, base64.RawURLEncoding.EncodeToString([]byte(url))+".json")
}

func (s store) Add(c *credentials.Credentials) error {
	b, _ := json.Marshal(c)
	return os.WriteFile(s.file(c.ServerURL), b, 0o600)
}

func (s store) Delete(url string) error {
	if os.Getenv("FAKE_FAIL_ERASE") == url {
		return errors.New("erase refused")
	}
	err := os.Remove(s.file(url))
	if errors.Is(err, fs.ErrNotExist) {
		return credentials.NewErrCredentialsNotFound()
	}
	return err
}

func (s store) Get(url string) (string, string, error) {
	if os.Getenv("FAKE_EMPTY") == "1" {
		return "", "", nil
	}
	b, err := os.ReadFile(s.file(url))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	if err != nil {
		return "", "", err
	}
	var c credentials.Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return "", "", err
	}
	return c.Username, c.Secret, nil
}

func (s store) List() (map[string]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		var c credentials.Credentials
		if json.Unmarshal(b, &c) == nil {
			out[c.ServerURL] = c.Username
		}
	}
	return out, nil
}

func main() {
	credentials.Name, credentials.Package, credentials.Version = "docker-credential-fake", "example.invalid/fake", "v0.0.1"
	if v := os.Getenv("FAKE_LOG"); v != "" && len(os.Args) > 1 {
		f, err := os.OpenFile(v, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Fprintln(f, os.Args[1])
		f.Close()
	}
	if v := os.Getenv("FAKE_STDERR"); v != "" {
		fmt.Fprintln(os.Stderr, v)
	}
	if v := os.Getenv("FAKE_FAIL_STORE"); v != "" && len(os.Args) > 1 && os.Args[1] == "store" {
		if v == "echo" { // a backend that repeats its input in its error
			in, _ := io.ReadAll(os.Stdin)
			v = "cannot parse " + string(in)
		}
		fmt.Println(v)
		os.Exit(3)
	}
	if v := os.Getenv("FAKE_FAIL"); v != "" {
		fmt.Println(v)
		os.Exit(3)
	}
	credentials.Serve(store{dir: os.Getenv("FAKE_STORE")})
}
