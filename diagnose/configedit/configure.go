package configedit

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/setting"
)

// Names configure writes.
const (
	// Helper is the wrapper's helper suffix: docker-credential-acrdoctor.
	Helper = setting.Name
)

// Request is what configure was asked to do.
type Request struct {
	// Hosts are registries to send to the wrapper through credHelpers.
	Hosts []string
	// Store sends every registry to it, through credsStore.
	Store bool
	// Hooks turns on Docker's CLI hooks for acr-doctor, with HookCommands.
	Hooks        bool
	HookCommands string
	// Backend is the store to wrap; "" picks the one Docker uses now.
	Backend string
	// DefaultStore is the helper Docker picks on this machine when a
	// config names none and holds no credentials (configjson.DefaultStore).
	DefaultStore string
}

// Skip is a registry configure leaves alone, and why.
type Skip struct {
	Registry string
	Reason   string
}

// Plan is configure's change to config.json, before it is written.
type Plan struct {
	Doc     Doc    // config.json as it will be
	Backend string // the store the wrapper wraps; "" for hooks only
	Skipped []Skip
	// Implicit is the platform's default store when Docker uses it only
	// because config.json names none and holds no credentials. Once the
	// file holds any, Docker stops picking it, so the plan names it in
	// credsStore, and an undo keeps it named if the file holds some then.
	Implicit string
}

// Configure plans configure's change to f, which must be config.json as
// Read returned it. The wrapper is a layer over the store Docker already
// uses: it never changes where a credential lives, so a registry whose
// credential Docker keeps elsewhere than the backend (in config.json
// itself, or in another helper) is skipped, with the reason, rather than
// hidden from Docker.
func Configure(f *File, req Request) (*Plan, error) {
	cfg, err := credstore.Parse(f.Name, f.Raw)
	if err != nil {
		return nil, err
	}
	p := &Plan{Doc: f.Doc.Clone()}
	if req.Hooks {
		if err := p.Doc.SetString("true", "features", "hooks"); err != nil {
			return nil, err
		}
		for _, key := range []string{"hooks", "error-hooks"} {
			// hooks for Docker 26.1 and later; error-hooks, which run
			// only after a failure, for 29.3 and later.
			if err := p.Doc.SetString(req.HookCommands, "plugins", Helper, key); err != nil {
				return nil, err
			}
		}
	}
	if !req.Store && len(req.Hosts) == 0 {
		return p, nil
	}
	if p.Backend, err = backend(cfg, req); err != nil {
		return nil, err
	}
	// The store Docker uses for a registry with no credHelpers entry:
	// credsStore, else its platform default for a config that holds no
	// credentials at all, else config.json itself ("").
	store := cfg.CredsStore
	if store == "" && len(cfg.CredHelpers) == 0 && len(cfg.Auths) == 0 {
		store, p.Implicit = req.DefaultStore, req.DefaultStore
	}
	if req.Store {
		err = p.store(cfg, store)
	} else {
		err = p.helpers(cfg, store, req.Hosts)
	}
	if err != nil {
		return nil, err
	}
	if p.Implicit != "" && p.Doc.String("credsStore") == "" && len(Diff(f.Doc, p.Doc)) > 0 {
		// A credHelpers entry would end Docker's use of its default for
		// every other registry: their logins would go to config.json.
		if err := p.Doc.SetString(p.Implicit, "credsStore"); err != nil {
			return nil, err
		}
	}
	if len(Diff(f.Doc, p.Doc)) == 0 && !req.Hooks {
		return p, nil // every registry skipped, or all done already
	}
	return p, p.Doc.SetString(p.Backend, "plugins", Helper, setting.Backend)
}

// backend chooses the store to wrap: the one asked for, else the one
// already wrapped, else Docker's credsStore, else Docker's default.
func backend(cfg *credstore.Config, req Request) (string, error) {
	current := cfg.PluginSetting(setting.Backend)
	if current == setting.FileBackend {
		current = ""
	}
	name := req.Backend
	if name != "" {
		if current != "" && name != current && configjson.RoutesToWrapper(cfg.CredsStore, cfg.CredHelpers) {
			return "", fmt.Errorf("the wrapper already wraps %s: wrapping %s instead would hide the credentials kept in %s (undo the earlier configure first)", current, name, current)
		}
	} else if current != "" {
		name = current
	} else if cfg.CredsStore != "" && cfg.CredsStore != Helper {
		name = cfg.CredsStore
	} else {
		name = req.DefaultStore
	}
	if name == "" {
		return "", errors.New("no credential store to wrap: Docker keeps credentials in config.json itself on this machine, and docker-credential-acrdoctor keeps none of its own; set up a credential helper (docker-credential-pass with pass, or secretservice) and name it with --backend")
	}
	if strings.EqualFold(name, Helper) {
		return "", errors.New("--backend acrdoctor would make the helper wrap itself")
	}
	if name == setting.FileBackend {
		return "", errors.New(`--backend file is not offered: Docker rewrites config.json right after a helper stores a credential there, so the credential would be lost; name a credential helper (pass, secretservice, osxkeychain, wincred, desktop)`)
	}
	if !configjson.ValidHelperName(name) {
		return "", fmt.Errorf("--backend %s is not a helper name: use the suffix of docker-credential-NAME", configjson.ShortName(name))
	}
	return name, nil
}

// store plans credsStore: every registry without a credHelpers entry goes
// to the wrapper. current is the store Docker uses for them now.
func (p *Plan) store(cfg *credstore.Config, current string) error {
	if current == Helper {
		return nil
	}
	if current != "" && current != p.Backend {
		return fmt.Errorf("credsStore is %s: wrapping %s instead would hide the credentials kept in %s (leave out --backend, or use --backend %s)", current, p.Backend, current, current)
	}
	if current == "" {
		held := fileHeld(cfg, func(key string) bool { _, ok := cfg.CredHelpers[key]; return !ok })
		if len(held) > 0 {
			return fmt.Errorf("--store would hide the credentials config.json itself holds for %s, which no credential helper can serve; configure ACR registries one by one instead (their credentials must be in a credential store), or log in to them again after setting credsStore to %s", list(held), p.Backend)
		}
	}
	return p.Doc.SetString(Helper, "credsStore")
}

// helpers plans a credHelpers entry per host, skipping those whose
// credentials the wrapper could not serve.
func (p *Plan) helpers(cfg *credstore.Config, current string, hosts []string) error {
	for _, h := range hosts {
		reason := ""
		cur := cfg.CredHelpers[h] // "" is no helper, for Docker too
		switch ok := cur != ""; {
		case ok && cur == Helper:
			continue
		case ok && cur != p.Backend:
			reason = fmt.Sprintf("credHelpers sends it to docker-credential-%s, and the wrapper wraps %s: wrapping it would hide what %s keeps (remove that entry first)", cur, p.Backend, cur)
		case ok:
		case current == Helper:
			continue
		case current != "" && current != p.Backend:
			reason = fmt.Sprintf("Docker keeps its credential in docker-credential-%s, and the wrapper wraps %s", current, p.Backend)
		case current == "" && len(fileHeld(cfg, func(key string) bool { return loginserver.Host(key) == h })) > 0:
			reason = fmt.Sprintf("its credential is in config.json itself, which no credential helper can serve; to use the wrapper, set credsStore to %s and log in to %s again", p.Backend, h)
		}
		if reason != "" {
			p.Skipped = append(p.Skipped, Skip{Registry: h, Reason: reason})
			continue
		}
		if err := p.Doc.SetString(Helper, "credHelpers", h); err != nil {
			return err
		}
	}
	return nil
}

// fileHeld lists the auths keys, among those keep accepts, that hold a
// credential in config.json itself.
func fileHeld(cfg *credstore.Config, keep func(key string) bool) []string {
	var out []string
	for k, ac := range cfg.Auths {
		if (ac.Username != "" || ac.Password != "" || ac.IdentityToken != "") && keep(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func list(keys []string) string {
	if len(keys) > 5 {
		return strings.Join(keys[:5], ", ") + fmt.Sprintf(" and %d more", len(keys)-5)
	}
	return strings.Join(keys, ", ")
}

// Unwrapped lists the registries, among held (those the wrapper's backend
// holds credentials for), that before sends to the wrapper and after sends
// elsewhere than that backend: turning before into after would hide their
// credentials from Docker. defaultStore is as in Request.
func Unwrapped(before, after Doc, defaultStore string, held []string) []string {
	backend := before.String("plugins", Helper, setting.Backend)
	if backend == "" {
		backend = defaultStore
	}
	var out []string
	for _, key := range held {
		host := loginserver.DockerHost(key)
		if Route(before, host, defaultStore) != Helper {
			continue
		}
		if r := Route(after, host, defaultStore); r != backend && r != Helper {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return out
}

// Route is the helper Docker runs for the registry host under doc, or ""
// when it reads config.json itself: credHelpers[host], else credsStore,
// else, for a config that holds no credentials at all, defaultStore.
func Route(doc Doc, host, defaultStore string) string {
	if h := doc.String("credHelpers", host); h != "" {
		return h
	}
	if s := doc.String("credsStore"); s != "" {
		return s
	}
	if doc.len("credHelpers") == 0 && doc.len("auths") == 0 {
		return defaultStore
	}
	return ""
}

// Unwrap is doc with nothing sent to the wrapper any more and no setting
// of its left: credsStore goes back to the backend, credHelpers entries
// naming the wrapper go (their registries fall back to credsStore). It is
// the last resort of an uninstall for a config.json no recorded run
// explains (wrapped by hand, or written back by a docker login that was
// running during an undo).
func Unwrap(doc Doc) (Doc, error) {
	out := doc.Clone()
	backend := doc.String("plugins", Helper, setting.Backend)
	if doc.String("credsStore") == Helper {
		var store json.RawMessage
		if backend != "" && backend != setting.FileBackend {
			store, _ = json.Marshal(backend)
		}
		if err := out.Set(store, "credsStore"); err != nil {
			return nil, err
		}
	}
	var helpers map[string]string
	_ = json.Unmarshal(doc["credHelpers"], &helpers)
	for k, h := range helpers {
		if h == Helper {
			if err := out.Set(nil, "credHelpers", k); err != nil {
				return nil, err
			}
		}
	}
	if err := out.Set(nil, "plugins", Helper); err != nil {
		return nil, err
	}
	if _, ok := out["plugins"]; ok && out.len("plugins") == 0 {
		delete(out, "plugins")
	}
	return out, nil
}

// Wrapped lists the keys of doc that send registries to the wrapper.
func Wrapped(doc Doc) []string {
	var keys []string
	if doc.String("credsStore") == Helper {
		keys = append(keys, "credsStore")
	}
	var helpers map[string]string
	_ = json.Unmarshal(doc["credHelpers"], &helpers)
	for k, h := range helpers {
		if h == Helper {
			keys = append(keys, "credHelpers."+k)
		}
	}
	slices.Sort(keys)
	return keys
}
