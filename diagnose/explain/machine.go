package explain

import (
	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
)

// fold adds what this machine's credential store shows about the
// registries the text names. A cause the store shows (a token that expired,
// a key Docker will not find, a helper that fails) is the explanation of
// the text's own authentication failure for that registry, and is then
// certain: the text says the login failed, the machine says why. Without
// such a failure in the text it is only possible: true of this machine, but
// not what the text shows.
func fold(s *state, sigs []signal, machine func(string) (report.Credential, bool)) []signal {
	for _, reg := range s.registries {
		cred, ok := machine(reg)
		if !ok {
			continue
		}
		failure := authFailure(sigs, reg)
		if failure != nil && failure.Line >= 0 && nodePull(s.lines[failure.Line]) {
			continue // a node pulled, with its own credential, not this machine's
		}
		for i := range cred.Causes {
			c := &cred.Causes[i]
			if _, known := cause.Lookup(c.ID); !known {
				continue
			}
			g := signal{Cause: c.ID, Line: -1, Host: reg, What: "this machine: " + c.Evidence, machine: c}
			switch {
			case failure != nil && c.Severity != cause.Warning:
				g.Weight, g.Line, g.Target = wCertain+5, failure.Line, failure.Target
			case failure != nil:
				g.Weight, g.Line, g.Target = wLikely+5, failure.Line, failure.Target
			case c.Severity != cause.Warning:
				g.Weight = wPossible
			default:
				continue // a warning, and nothing in the text it would explain
			}
			sigs = append(sigs, g)
		}
	}
	return sigs
}

// authFailure is the text's first authentication or permission failure
// for reg (or for no registry in particular), or nil.
func authFailure(sigs []signal, reg string) *signal {
	for i := range sigs {
		g := &sigs[i]
		switch g.Class {
		case authFail, badPassword, denied, repoMissing:
		default:
			if g.Cause != badCreds || g.Weight > likelyAt+10 {
				continue
			}
		}
		if g.Host == reg || g.Host == "" {
			return g
		}
	}
	return nil
}
