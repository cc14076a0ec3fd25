package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/credkind"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/termsafe"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// textWriter renders reports for people: aligned fields, causes with their
// fixes, colour when p allows.
//
// Every value of a report may come from outside (config keys, token
// claims, certificate subjects, what a registry, a helper or a pasted log
// said), so each is passed through termsafe.Line before it is coloured or
// written: safe below. Colour is added after, so the palette's own
// sequences are the only ones that reach the terminal. field does it for
// the values it is given; safeField is for a value already made safe and
// coloured.
type textWriter struct {
	w   io.Writer
	p   palette
	now time.Time
	// verbose shows every step of a check, and the Log Analytics query
	// and command behind a refused login; otherwise the steps that passed
	// fold into one line, the credential's excepted (it names what Docker
	// holds).
	verbose bool
	// fixes are the causes whose fix was written out, by ID and fix: the
	// same fix again (a store that fails every entry) is a line. Nil keeps
	// none.
	fixes map[string]bool
	// offline: no registry was asked, so none is called healthy.
	offline bool
}

var kindNames = map[credkind.Kind]string{
	credkind.RefreshToken:     "ACR refresh token",
	credkind.IdentityToken:    "identity token",
	credkind.AdminUser:        "admin user",
	credkind.ServicePrincipal: "service principal",
	credkind.RepositoryToken:  "repository-scoped token",
	credkind.AADToken:         "Azure AD token",
	credkind.Anonymous:        "no credential",
	credkind.Unknown:          "unknown credential",
}

func tokenKindName(k token.Kind) string {
	if k == token.OtherJWT {
		return "JWT (not issued by ACR or Azure AD)"
	}
	return k.Title()
}

func (t textWriter) credential(c report.Credential) {
	status := t.p.green("ok")
	if cause.Failed(c.Causes) {
		status = t.p.red("problem")
	} else if len(c.Causes) > 0 {
		status = t.p.yellow("warning")
	}
	fmt.Fprintf(t.w, "%s  %s  %s  %s\n", t.p.bold(safe(c.Registry)), kindNames[c.Kind], t.p.dim(safe(c.Source)), status)
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	field(tw, "username", c.Username)
	if c.Fingerprint != "" {
		field(tw, "secret", c.Fingerprint+" (fingerprint; the secret is never shown)")
	}
	if c.Token != nil {
		t.tokenFields(tw, c.Token)
	}
	if len(c.Shadowed) > 0 {
		who := "Docker"
		if c.Tool != "" {
			who = c.Tool
		}
		field(tw, "ignored", "also stored in "+strings.Join(c.Shadowed, ", ")+", which "+who+" does not read for this registry")
	}
	tw.Flush()
	t.causes(c.Causes)
	fmt.Fprintln(t.w)
}

func (t textWriter) tokenFields(tw io.Writer, tok *report.Token) {
	field(tw, "token", tokenKindName(tok.Kind)+" (claims decoded, signature not verified)")
	identity := tok.Subject
	if tok.Name != "" && tok.Name != tok.Subject {
		identity = tok.Name
	}
	field(tw, "identity", identity)
	if tok.Kind == token.AADToken {
		field(tw, "issuer", tok.Issuer)
	}
	field(tw, "audience", strings.Join(tok.Audience, ", "))
	field(tw, "tenant", tok.Tenant)
	field(tw, "app id", tok.AppID)
	field(tw, "grant", tok.GrantType)
	if p := tok.Permissions; p != nil {
		perm := strings.Join(p.Actions, ", ")
		if len(p.NotActions) > 0 {
			perm += " (not: " + strings.Join(p.NotActions, ", ") + ")"
		}
		field(tw, "permissions", perm)
	}
	for _, a := range tok.Access {
		field(tw, "access", fmt.Sprintf("%s:%s: %s", a.Type, a.Name, strings.Join(a.Actions, ",")))
	}
	field(tw, "jti", tok.JWTID)
	if tok.IssuedAt != nil {
		field(tw, "issued", stamp(*tok.IssuedAt))
	}
	if tok.NotBefore != nil && (tok.IssuedAt == nil || !tok.NotBefore.Equal(*tok.IssuedAt)) {
		field(tw, "not before", stamp(*tok.NotBefore))
	}
	if tok.ExpiresAt != nil {
		exp := *tok.ExpiresAt
		rel := "expires in " + token.Humanize(exp.Sub(t.now))
		if !t.now.Before(exp) {
			rel = t.p.red("expired " + token.Humanize(t.now.Sub(exp)) + " ago")
		}
		safeField(tw, "expires", stamp(exp)+"  "+rel)
	}
}

func (t textWriter) causes(cs []cause.Cause) {
	for _, c := range cs {
		mark := t.p.red("✗")
		if c.Severity == cause.Warning {
			mark = t.p.yellow("!")
		}
		fmt.Fprintf(t.w, "  %s %s: %s\n", mark, t.p.bold(safe(string(c.ID))), safe(c.Title))
		if c.Evidence != "" {
			fmt.Fprintf(t.w, "      %s\n", safe(c.Evidence))
		}
		if key := string(c.ID) + "\x00" + strings.Join(c.Remediation, "\x00"); len(c.Remediation) > 0 && t.fixes != nil {
			if t.fixes[key] {
				fmt.Fprintf(t.w, "      %s\n", t.p.dim("→ the fix above"))
				continue
			}
			t.fixes[key] = true
		}
		for _, r := range c.Remediation {
			fmt.Fprintf(t.w, "      → %s\n", safe(r))
		}
		if len(c.Docs) > 0 {
			fmt.Fprintf(t.w, "      %s\n", t.p.dim(safe(c.Docs[0])))
		}
	}
}

// field writes one "name  value" line of a tabwriter; value is made safe.
func field(w io.Writer, name, value string) {
	safeField(w, name, safe(value))
}

// safeField is field for a value already made safe (and perhaps coloured).
func safeField(w io.Writer, name, value string) {
	if value != "" {
		fmt.Fprintf(w, "  %s\t%s\n", name, value)
	}
}

// safe is untrusted text made safe to print inside one line of a report.
func safe(s string) string { return termsafe.Line(s) }

// safeOutput is where a text report is written: w with every control
// character made visible but, when the palette colours, its own SGR
// sequences. The renderers make each value safe themselves (only they
// know which line feeds are theirs); this is the backstop for a value
// one of them forgot.
func safeOutput(w io.Writer, p palette) io.Writer {
	return &termsafe.Writer{W: w, SGR: p.on}
}

// templateOutput is where a --format template writes: the template is
// the user's, the data is not, and its output is text, so it is made
// safe like any text (line feeds and tabs kept, on a terminal or not).
// Exact bytes are what --format json is for.
func templateOutput(w io.Writer) io.Writer { return termsafe.NewWriter(w) }

// jsonOutput is where --format json writes: values stay exact, but the
// DEL, C1 and bidi controls encoding/json leaves raw are written as
// \u escapes, which decode to the same strings.
func jsonOutput(w io.Writer) io.Writer { return termsafe.JSONWriter{W: w} }

// safeError makes the message of an error a command returns safe: main
// prints it on standard error, and it may quote a config key, a file, a
// token or a helper's answer. errors.Is and errors.As see through it.
func safeError(err error) error {
	if err == nil || safe(err.Error()) == err.Error() {
		return err
	}
	return sanitisedError{err}
}

type sanitisedError struct{ err error }

func (e sanitisedError) Error() string { return safe(e.err.Error()) }
func (e sanitisedError) Unwrap() error { return e.err }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
