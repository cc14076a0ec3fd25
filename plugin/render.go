package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/report"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// textWriter renders reports for people: aligned fields, causes with their
// fixes, colour when p allows.
type textWriter struct {
	w   io.Writer
	p   palette
	now time.Time
}

var kindNames = map[report.Kind]string{
	report.RefreshToken:     "ACR refresh token",
	report.IdentityToken:    "identity token",
	report.AdminUser:        "admin user",
	report.ServicePrincipal: "service principal",
	report.RepositoryToken:  "repository-scoped token",
	report.AADToken:         "Azure AD token",
	report.Anonymous:        "no credential",
	report.Unknown:          "unknown credential",
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
	fmt.Fprintf(t.w, "%s  %s  %s  %s\n", t.p.bold(c.Registry), kindNames[c.Kind], t.p.dim(c.Source), status)
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	field(tw, "username", c.Username)
	if c.Fingerprint != "" {
		field(tw, "secret", c.Fingerprint+" (fingerprint; the secret is never shown)")
	}
	if c.Token != nil {
		t.tokenFields(tw, c.Token)
	}
	if len(c.Shadowed) > 0 {
		field(tw, "ignored", "also stored in "+strings.Join(c.Shadowed, ", ")+", which Docker does not read for this registry")
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
		field(tw, "expires", stamp(exp)+"  "+rel)
	}
}

func (t textWriter) causes(cs []cause.Cause) {
	for _, c := range cs {
		mark := t.p.red("✗")
		if c.Severity == cause.Warning {
			mark = t.p.yellow("!")
		}
		fmt.Fprintf(t.w, "  %s %s: %s\n", mark, t.p.bold(string(c.ID)), c.Title)
		if c.Evidence != "" {
			fmt.Fprintf(t.w, "      %s\n", c.Evidence)
		}
		for _, r := range c.Remediation {
			fmt.Fprintf(t.w, "      → %s\n", r)
		}
		if len(c.Docs) > 0 {
			fmt.Fprintf(t.w, "      %s\n", t.p.dim(c.Docs[0]))
		}
	}
}

func field(w io.Writer, name, value string) {
	if value != "" {
		fmt.Fprintf(w, "  %s\t%s\n", name, value)
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
