package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/cli/cli/command"
	"github.com/spf13/pflag"

	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/credstore"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/statedir"
	"github.com/acr-doctor/acr-doctor/diagnose/tools"
)

func addToolFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "tool", "", `Whose credentials: docker (the default), podman (and buildah, skopeo), helm, regctl, or all; each entry then says its tool and file`)
}

// source is one place credentials are read from: Docker's own config (or
// --authfile), or a file of another tool. With --tool, file says which,
// and its Error why it could not be read.
type source struct {
	file report.ToolFile
	// store is nil when the file could not be read.
	store *credstore.Store
}

// sources are the places --tool names, in the order of tools.All and of
// each tool's own lookup; without --tool, Docker's config (or --authfile)
// alone, untagged, as before --tool existed.
func sources(dockerCLI command.Cli, authfile, tool string, timeout time.Duration) ([]source, error) {
	if tool == "" {
		cfg, err := loadStore(dockerCLI, authfile)
		if err != nil {
			return nil, err
		}
		return []source{{store: &credstore.Store{Config: cfg, Timeout: timeout}}}, nil
	}
	if authfile != "" {
		return nil, usagef("--authfile and --tool do not go together: --authfile reads one file, --tool the files a tool reads")
	}
	which, err := tools.Parse(tool)
	if err != nil {
		return nil, usageError{err}
	}
	var out []source
	env := tools.Env{Getenv: os.Getenv, Home: statedir.Home(os.Getenv), UID: os.Getuid()}
	for _, t := range which {
		if t == tools.Docker {
			s := source{file: report.ToolFile{Tool: string(t), File: configPath()}}
			cfg, err := loadStore(dockerCLI, "")
			if err != nil {
				s.file.Error = err.Error()
			} else {
				s.store = &credstore.Store{Config: cfg, Timeout: timeout}
			}
			out = append(out, s)
			continue
		}
		for _, f := range tools.Files(t, env) {
			s := source{file: report.ToolFile{Tool: string(t), File: f.Path, Note: f.Note}}
			if f.Err != nil {
				s.file.Error = f.Err.Error()
			} else {
				s.store = &credstore.Store{Config: f.Config, Timeout: timeout}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// tag marks c as read from s, with --tool, and words its fixes in the
// tool's commands. It changes nothing c shares with another copy.
func (s source) tag(c *report.Credential) {
	c.Tool, c.File = s.file.Tool, s.file.File
	c.Causes = tools.Tool(s.file.Tool).Causes(c.Causes, c.Registry, s.file.File)
}

// adopt tags r's credential, and words the registry's fixes, and why a
// key is not replayed, as tag does. It changes nothing r shares with another copy.
func (s source) adopt(r *report.Registry) {
	t := tools.Tool(s.file.Tool)
	s.tag(&r.Credential)
	r.Causes = t.Causes(r.Causes, r.Registry, s.file.File)
	// Only the step that is the tool's own words (why a key is not
	// replayed); the others quote the registry, which says what it says.
	steps := make([]report.Step, len(r.Steps))
	for i, st := range r.Steps {
		if st.Name == report.StepLive {
			st.Detail = t.Reword(st.Detail, r.Registry)
		}
		steps[i] = st
	}
	r.Steps = steps
}

// tagStores marks stores as named in s, with --tool.
func (s source) tagStores(stores []report.Store) {
	for i := range stores {
		stores[i].Tool, stores[i].File = s.file.Tool, s.file.File
	}
}

// storeName is a store as text names it: with --tool, with the file
// that names it.
func storeName(st report.Store) string {
	switch {
	case st.File == "":
		return st.Source
	case st.Default:
		return st.Source + " (" + st.Tool + "'s default: " + st.File + " names no store)"
	}
	return st.Source + " (named in " + st.Tool + "'s " + st.File + ")"
}

// toolHeader is the line above a tool file's entries in text.
func (t textWriter) toolHeader(f report.ToolFile) {
	fmt.Fprintf(t.w, "%s %s\n", t.p.bold(safe(f.Tool)), safe(f.File))
	if f.Note != "" {
		fmt.Fprintf(t.w, "  %s %s\n", t.p.yellow("note:"), safe(f.Note))
	}
	if f.Error != "" {
		fmt.Fprintf(t.w, "  %s %s\n", t.p.red("✗ could not be read:"), safe(f.Error))
	}
}

// shadow marks, among creds read for Podman, each registry's entry Podman
// uses (the first file holding a credential under the registry's own
// name, in its order) with the later files it does not read for that
// registry; those entries are listed still, each judged as it stands.
func shadow(creds []report.Credential) {
	first := map[string]int{}
	for i := range creds {
		c := &creds[i]
		// containers/image passes over an entry with no credential, drops
		// a scheme, and a namespace key (host/team) covers that namespace
		// only.
		key := tools.PodmanKey(c.Registry)
		host := loginserver.Host(key)
		if c.Tool != string(tools.Podman) || c.Kind == credkind.Anonymous || host != strings.ToLower(key) {
			continue
		}
		j, seen := first[host]
		switch {
		case !seen:
			first[host] = i
		case creds[j].File != c.File:
			creds[j].Shadowed = append(creds[j].Shadowed, c.File)
		}
	}
}
