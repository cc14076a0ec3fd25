package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
)

// fileBackend keeps credentials in the auths of config.json, as Docker does
// when no helper is configured: `auth` is base64 of "username:password",
// and an identity token (the "<token>" username of the helper protocol) is
// `identitytoken`. Writes replace config.json atomically, keep its mode,
// and leave every other key as it was.
type fileBackend struct {
	dir string
}

func (b *fileBackend) id() string { return fileBackendID }

func (b *fileBackend) filename() string { return filepath.Join(b.dir, "config.json") }

func (b *fileBackend) get(in []byte, _ io.Writer) ([]byte, int) {
	var out bytes.Buffer
	code := b.handle(credentials.ActionGet, bytes.NewReader(in), &out)
	return out.Bytes(), code
}

func (b *fileBackend) passThrough(action string, stdin io.Reader, stdout, _ io.Writer) int {
	return b.handle(action, stdin, stdout)
}

// handle answers as credentials.Serve would: errors on stdout, exit 1.
func (b *fileBackend) handle(action string, stdin io.Reader, stdout io.Writer) int {
	var out bytes.Buffer
	if err := credentials.HandleCommand(b, action, stdin, &out); err != nil {
		fmt.Fprintln(stdout, err)
		return 1
	}
	_, _ = stdout.Write(out.Bytes())
	return 0
}

// read loads config.json: parsed for lookups (credstore decodes `auth`),
// and raw, so a write can keep what it does not touch.
func (b *fileBackend) read() (*credstore.Config, map[string]json.RawMessage, fs.FileMode, error) {
	name := b.filename()
	mode := fs.FileMode(0o600)
	data, err := os.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = nil
	case err != nil:
		return nil, nil, 0, err
	default:
		if fi, err := os.Stat(name); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	cfg, err := credstore.Parse(name, data)
	if err != nil {
		return nil, nil, 0, err
	}
	raw := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %v", name, err)
		}
	}
	return cfg, raw, mode, nil
}

// lookup finds the key Docker would use for serverURL: the exact key, else
// one naming the same host.
func lookup(cfg *credstore.Config, serverURL string) (string, bool) {
	if _, ok := cfg.Auths[serverURL]; ok {
		return serverURL, true
	}
	host := loginserver.Host(serverURL)
	for k := range cfg.Auths {
		if loginserver.Host(k) == host {
			return k, true
		}
	}
	return "", false
}

// Get implements credentials.Helper.
func (b *fileBackend) Get(serverURL string) (string, string, error) {
	cfg, _, _, err := b.read()
	if err != nil {
		return "", "", err
	}
	key, ok := lookup(cfg, serverURL)
	if !ok {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	ac := cfg.Auths[key]
	switch {
	case ac.IdentityToken != "":
		return credstore.TokenUsername, ac.IdentityToken, nil
	case ac.Username == "" && ac.Password == "":
		// The {} placeholder Docker writes when a helper holds the secret.
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	return ac.Username, ac.Password, nil
}

// List implements credentials.Helper.
func (b *fileBackend) List() (map[string]string, error) {
	cfg, _, _, err := b.read()
	if err != nil {
		return nil, err
	}
	list := make(map[string]string, len(cfg.Auths))
	for k, ac := range cfg.Auths {
		switch {
		case ac.IdentityToken != "":
			list[k] = credstore.TokenUsername
		case ac.Username != "" || ac.Password != "":
			list[k] = ac.Username
		}
	}
	return list, nil
}

// fileAuth is an auths entry as Docker's file store writes it.
type fileAuth struct {
	Auth          string `json:"auth,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
}

func (b *fileBackend) store(c credentials.Credentials) error { return b.Add(&c) }

// Add implements credentials.Helper.
func (b *fileBackend) Add(c *credentials.Credentials) error {
	entry := fileAuth{Auth: base64.StdEncoding.EncodeToString([]byte(c.Username + ":" + c.Secret))}
	if c.Username == credstore.TokenUsername {
		entry = fileAuth{IdentityToken: c.Secret}
	}
	return b.update(func(auths map[string]json.RawMessage) error {
		v, err := json.Marshal(entry)
		auths[c.ServerURL] = v
		return err
	})
}

// Delete implements credentials.Helper. Like Docker's file store, it
// removes the key and any other naming the same host, and erasing what is
// not there is no error.
func (b *fileBackend) Delete(serverURL string) error {
	return b.update(func(auths map[string]json.RawMessage) error {
		host := loginserver.Host(serverURL)
		for k := range auths {
			if k == serverURL || loginserver.Host(k) == host {
				delete(auths, k)
			}
		}
		return nil
	})
}

// update rewrites the auths of config.json through change.
func (b *fileBackend) update(change func(map[string]json.RawMessage) error) error {
	_, raw, mode, err := b.read()
	if err != nil {
		return err
	}
	auths := map[string]json.RawMessage{}
	if v, ok := raw["auths"]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		if err := json.Unmarshal(v, &auths); err != nil {
			return fmt.Errorf("%s: auths: %v", b.filename(), err)
		}
	}
	if err := change(auths); err != nil {
		return err
	}
	if raw["auths"], err = json.Marshal(auths); err != nil {
		return err
	}
	data, err := json.MarshalIndent(raw, "", "\t")
	if err != nil {
		return err
	}
	return atomicfile.Write(b.filename(), data, mode)
}
