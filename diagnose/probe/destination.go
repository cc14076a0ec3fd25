package probe

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// RefusedError is a URL the probe will not send the stored credential to,
// and why. Credentials go only to https://<registry host>:443: any other
// scheme, host or port, user-info in the URL, or a host written in a form
// ACR never uses (upper case, a trailing dot, non-ASCII, an IP literal in
// brackets) is refused, and the refusal is reported.
type RefusedError struct {
	URL    string // redacted: no user-info, no secret in the query
	Reason string
}

func (e *RefusedError) Error() string { return e.URL + ": " + e.Reason }

// CredentialDestination decides whether u may receive the stored
// credential of registry (a host such as myreg.azurecr.io): nil when u is
// https://<registry>/… or https://<registry>:443/… exactly, else a
// *RefusedError. It is the one rule the probe applies wherever a
// credential could leave: the challenge's realm, every redirect, and every
// connection the HTTP client opens.
func CredentialDestination(registry string, u *url.URL) error {
	if err := credentialURL(u); err != nil {
		return err
	}
	reg := strings.ToLower(registry)
	if !dnsName(reg) {
		return refuse(u, fmt.Sprintf("the registry %s is not a DNS name, so no URL may receive its credential", strconv.QuoteToASCII(registry)))
	}
	if u.Hostname() != reg {
		return refuse(u, "it is not on the registry's host "+reg)
	}
	return nil
}

// credentialURL is the part of the rule that holds whatever the registry:
// https, no user-info, a lower-case DNS name, port 443. BearerRealm applies
// it, so that every reader of a challenge refuses such a realm.
func credentialURL(u *url.URL) error {
	switch {
	case u.Opaque != "" || u.Host == "":
		return refuse(u, "it is not an absolute URL")
	case u.Scheme == "http":
		return refuse(u, "it is http, not https: credentials never go over plain HTTP")
	case u.Scheme != "https":
		return refuse(u, "it is not https")
	case u.User != nil:
		return refuse(u, "it carries user-info (user@host), which ACR never sends")
	case !dnsName(u.Hostname()):
		return refuse(u, fmt.Sprintf("its host %s is not a lower-case DNS name, as ACR's always is", strconv.QuoteToASCII(u.Hostname())))
	case u.Host != u.Hostname() && u.Host != u.Hostname()+":443":
		return refuse(u, fmt.Sprintf("it is on port %s: credentials go only to port 443", strconv.Quote(u.Port())))
	}
	return nil
}

func refuse(u *url.URL, reason string) *RefusedError {
	return &RefusedError{URL: redactURL(u.String()), Reason: reason}
}

// dnsName reports whether s is a host name as ACR writes one: lower-case
// ASCII letters, digits and hyphens in dot-separated labels, no empty label
// (so no trailing dot). IPv4 literals pass; bracketed IPv6 ones do not.
func dnsName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}
