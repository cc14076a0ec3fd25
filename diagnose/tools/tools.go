// Package tools finds the registry credentials that tools other than
// Docker keep, each in its own file, and reads them into a
// credstore.Config, so that the rest of acr-doctor judges them exactly as
// it judges Docker's:
//
//   - Podman, Buildah and Skopeo (containers-auth.json(5), containers/common's
//     default --authfile, containers/image's getAuthFilePaths): the file
//     REGISTRY_AUTH_FILE names, else $DOCKER_CONFIG/config.json when
//     DOCKER_CONFIG is set, and then that file alone (an --authfile is
//     read without the defaults after it); else
//     ${XDG_RUNTIME_DIR}/containers/auth.json (/run/containers/UID/auth.json
//     without it), then ${XDG_CONFIG_HOME}/containers/auth.json, then
//     Docker's ~/.docker/config.json, in that order, the first holding a
//     credential for a registry winning. They read credHelpers, not
//     credsStore. A key may be a namespace (quay.io/team/app), matched
//     most specific first, and a scheme is dropped from a key;
//   - Helm (3.8 and later): HELM_REGISTRY_CONFIG, else
//     ${HELM_CONFIG_HOME:-${XDG_CONFIG_HOME:-~/.config}/helm}/registry/config.json,
//     in Docker's format, credsStore and credHelpers included;
//   - regctl: REGCTL_CONFIG, else ~/.regctl/config.json, whose hosts hold
//     user, pass, token (an identity token) or credHelper; regctl also reads
//     Docker's credentials for hosts it has none for.
//
// ORAS, crane and nerdctl read Docker's config.json: nothing more to read.
package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/cli/cli/config/types"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
)

// Tool is a program that keeps registry credentials.
type Tool string

const (
	Docker Tool = "docker"
	Podman Tool = "podman" // and Buildah and Skopeo, which share its files
	Helm   Tool = "helm"
	Regctl Tool = "regctl"
)

// All are the tools, in the order reports list them.
var All = []Tool{Docker, Podman, Helm, Regctl}

// Parse reads a --tool value: one tool, or "all".
func Parse(s string) ([]Tool, error) {
	if s == "all" {
		return All, nil
	}
	for _, t := range All {
		if string(t) == s {
			return []Tool{t}, nil
		}
	}
	return nil, fmt.Errorf("--tool %q: want docker, podman, helm, regctl or all", s)
}

// File is one file a tool reads credentials from.
type File struct {
	Tool Tool
	Path string
	// Config is the file read, with its entries keyed as the tool keys
	// them. Nil when Err is set.
	Config *credstore.Config
	Err    error
	// Note says how the tool reads the file differently from Docker,
	// such as a credsStore it ignores; "" when it reads it as Docker does.
	Note string
}

// Env is what Files reads of the environment: variables, and the home
// folder.
type Env struct {
	Getenv func(string) string
	Home   string
	UID    int
}

// Files lists the files tool reads, in its order, that exist; Docker's own
// config.json is the caller's (credstore.Load), and is not listed for
// Docker.
func Files(tool Tool, env Env) []File {
	var out []File
	seen := map[string]bool{}
	add := func(path string) {
		if path == "" || seen[filepath.Clean(path)] {
			return
		}
		seen[filepath.Clean(path)] = true
		cfg, notes, err := Read(tool, path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		out = append(out, File{Tool: tool, Path: path, Config: cfg, Err: err, Note: strings.Join(notes, "; ")})
	}
	switch tool {
	case Podman:
		// An --authfile, which these two set by default, is read alone.
		if f := env.Getenv("REGISTRY_AUTH_FILE"); f != "" {
			add(f)
			break
		}
		if d := env.Getenv("DOCKER_CONFIG"); d != "" {
			add(filepath.Join(d, "config.json"))
			break
		}
		runtime := filepath.Join("/run/containers", strconv.Itoa(env.UID), "auth.json")
		if d := env.Getenv("XDG_RUNTIME_DIR"); d != "" {
			runtime = filepath.Join(d, "containers", "auth.json")
		}
		add(runtime)
		add(filepath.Join(configHome(env), "containers", "auth.json"))
		add(filepath.Join(env.Home, ".docker", "config.json"))
	case Helm:
		path := env.Getenv("HELM_REGISTRY_CONFIG")
		if path == "" {
			home := env.Getenv("HELM_CONFIG_HOME")
			if home == "" {
				home = filepath.Join(configHome(env), "helm")
			}
			path = filepath.Join(home, "registry", "config.json")
		}
		add(path)
	case Regctl:
		path := env.Getenv("REGCTL_CONFIG")
		if path == "" {
			path = filepath.Join(env.Home, ".regctl", "config.json")
		}
		add(path)
	}
	return out
}

// Read reads one of tool's files as the tool reads it; notes say where
// that differs from Docker's reading of the same file.
func Read(tool Tool, path string) (cfg *credstore.Config, notes []string, err error) {
	data, err := configjson.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	parse := credstore.Parse
	if tool == Regctl {
		parse = regctlFile
	}
	if cfg, err = parse(path, data); err != nil {
		return nil, nil, err
	}
	if tool == Podman {
		notes = podmanView(cfg)
	}
	return cfg, notes, nil
}

// podmanView makes cfg what containers/image reads of it, and says what
// that leaves out: its keys are namespaces, it reads no credsStore, and it
// passes over entries with nothing it takes.
func podmanView(cfg *credstore.Config) (notes []string) {
	cfg.Namespaces = true
	if cfg.CredsStore != "" {
		notes = append(notes, fmt.Sprintf("Podman does not read credsStore (%s): the credentials that store holds are not Podman's", cfg.CredsStore))
		cfg.CredsStore = ""
	}
	// containers/image takes an entry's identity token only beside an
	// auth of user:password; alone, the entry holds nothing for it. It
	// passes over an entry that holds nothing (Docker leaves one in
	// config.json for each login it sent to a credsStore), to the next
	// file: such an entry is none of Podman's.
	var bare []string
	for k, a := range cfg.Auths {
		if a.Username == "" && a.Password == "" {
			if a.IdentityToken != "" {
				bare = append(bare, k)
			}
			delete(cfg.Auths, k)
		}
	}
	if len(bare) > 0 {
		slices.Sort(bare)
		notes = append(notes, "Podman passes over an identity token with no auth (user:password) beside it: "+strings.Join(bare, ", "))
	}
	return notes
}

func configHome(env Env) string {
	if d := env.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	return filepath.Join(env.Home, ".config")
}

// regctlHost is what regctl keeps of a host (regclient config.Host).
type regctlHost struct {
	User       string `json:"user"`
	Pass       string `json:"pass"`
	Token      string `json:"token"`
	CredHelper string `json:"credHelper"`
	Hostname   string `json:"hostname"`
}

// PodmanKey is the key containers/image reads k as: without a scheme,
// and, with one, without a path.
func PodmanKey(k string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(k, "http://"), "https://")
	if s != k {
		s, _, _ = strings.Cut(s, "/")
	}
	return s
}

// regctlFile reads regctl's config into Docker's shape: user and pass as
// a password credential, token as an identity token, credHelper (a
// program, docker-credential-NAME) as a credHelpers entry.
func regctlFile(path string, data []byte) (*credstore.Config, error) {
	var doc struct {
		Hosts map[string]*regctlHost `json:"hosts"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, configjson.JSONError(path, data, err)
	}
	if len(doc.Hosts) > credstore.MaxEntries {
		return nil, fmt.Errorf("%s holds %d hosts: more than %d is not a regctl config", path, len(doc.Hosts), credstore.MaxEntries)
	}
	cfg := &credstore.Config{Filename: path, Auths: map[string]types.AuthConfig{}, CredHelpers: map[string]string{}}
	for name, h := range doc.Hosts {
		if h == nil {
			continue
		}
		if h.CredHelper != "" {
			cfg.CredHelpers[name] = strings.TrimPrefix(filepath.Base(h.CredHelper), "docker-credential-")
		}
		if h.User != "" || h.Pass != "" || h.Token != "" {
			cfg.Auths[name] = types.AuthConfig{Username: h.User, Password: h.Pass, IdentityToken: h.Token, ServerAddress: name}
		}
	}
	return cfg, nil
}
