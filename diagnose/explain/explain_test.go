package explain

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
)

// Mark is what Redact puts in a secret's place.
const Mark = redact.Mark

// jwtLeak is what a token looks like in a finding that should not hold one.
var jwtLeak = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}`)

func ids(fs []Finding) []cause.ID {
	var out []cause.ID
	for _, f := range fs {
		out = append(out, f.Cause.ID)
	}
	return out
}

func TestRegistries(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"docker push myreg.azurecr.io/team/app:1", []string{"myreg.azurecr.io"}},
		{"Get https://MyReg.azurecr.io/v2/ then myreg.azurecr.io/x", []string{"myreg.azurecr.io"}},
		{"blob from myreg.eastus.data.azurecr.io and other.azurecr.cn/a", []string{"myreg.azurecr.io", "other.azurecr.cn"}},
		{"govreg.azurecr.us:443/x, myreg.azurecr.io.evil.com, docker.io/library/nginx", []string{"govreg.azurecr.us"}},
		{"navdocker.az-azurecr.io/dynamics-nav", nil},
		{"bregone.azurecr.io aregtwo.azurecr.io bregone.azurecr.io", []string{"bregone.azurecr.io", "aregtwo.azurecr.io"}},
		// Brackets and quotes around a name leave it whole.
		{"The push refers to repository [myreg.azurecr.io/app]", []string{"myreg.azurecr.io"}},
		{`"failed\u000amyreg.azurecr.io" "\x0asecond.azurecr.io" "\fthird.azurecr.io" "\012fourth.azurecr.io"`, []string{"myreg.azurecr.io", "second.azurecr.io", "third.azurecr.io", "fourth.azurecr.io"}},
		// An escaped line break or tab before a name is not part of it.
		{`"login failed\nmyreg.azurecr.io: unauthorized" "x\r\nsecond.azurecr.io" "\tthird.azurecr.io"`, []string{"myreg.azurecr.io", "second.azurecr.io", "third.azurecr.io"}},
		{"see <myreg.azurecr.io> and \u201cother.azurecr.io\u201d, \u00a0third.azurecr.io", []string{"myreg.azurecr.io", "other.azurecr.io", "third.azurecr.io"}},
		// What touches a name and may be part of it makes it no name: the
		// ASCII rest is not what was typed.
		{"Get https://\uff45vilreg.azurecr.io/v2/", nil},
		{"my\u200breg.azurecr.io my\u0435reg.azurecr.io myreg\uff0eevil.azurecr.io", nil},
		{"my\x1b]0;PWN\x07xyzreg.azurecr.io \x1b[31mredreg.azurecr.io: denied", nil},
		{"myreg.azurecr.io\x07 " + strings.Repeat("a", 81) + ".azurecr.io", nil},
	} {
		if got := Registries(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Registries(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

const token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"docker login x.azurecr.io -u 00000000-0000-0000-0000-000000000000 -p " + token,
			"docker login x.azurecr.io -u 00000000-0000-0000-0000-000000000000 -p <redacted>"},
		{"helm registry login r.azurecr.io --username u --password hunter2", "helm registry login r.azurecr.io --username u --password <redacted>"},
		{"az login --service-principal -u app --password=s3cr3t --tenant t", "az login --service-principal -u app --password=<redacted> --tenant t"},
		{"Authorization: Basic bXdvbGZmZS10ZXN0aW5nOm13b2xmZmU=", "Authorization: Basic <redacted>"},
		{"Authorization: Bearer " + token, "Authorization: Bearer <redacted>"},
		{`"auth": "MDAwMDAwMDAtMDAwMDo=", "identitytoken": "` + token + `"`, `"auth": "<redacted>", "identitytoken": "<redacted>"`},
		{"cut short: eyJhbGciOiJSUzI1Ni", "cut short: <redacted>"},
		{"https://user:pa55@myreg.azurecr.io/v2/", "https://user:<redacted>@myreg.azurecr.io/v2/"},
		// Words are kept: they are evidence, not secrets.
		{"unable to push image if basic authorization used", "unable to push image if basic authorization used"},
		{"failed to fetch anonymous token: unexpected status", "failed to fetch anonymous token: unexpected status"},
		{`Bearer realm="https://r.azurecr.io/oauth2/token"`, `Bearer realm="https://r.azurecr.io/oauth2/token"`},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
	fs := ExplainString("docker login myreg.azurecr.io -u x -p " + token + ": unauthorized: authentication required")
	if len(fs) != 1 || strings.Contains(fs[0].Line, "eyJ") || strings.Contains(fs[0].Cause.Evidence, "eyJ") {
		t.Errorf("finding keeps the token: %+v", fs)
	}
}

// leaks are the shapes a secret is pasted in that must never survive:
// each line plants secret (every word of it) in a failed login, before
// the error and after it, and neither Redact nor anything Explain returns
// may hold any of it, while the registry name and the error stay readable.
var leaks = []struct{ line, secret string }{
	{"docker login myreg.azurecr.io -u admin -pHunter2Attached", "Hunter2Attached"},
	{"docker login -u admin -p'Quoted1Attached' myreg.azurecr.io", "Quoted1Attached"},
	{"docker login myreg.azurecr.io -u admin --password=Hunter2Equals", "Hunter2Equals"},
	{"docker login myreg.azurecr.io -u admin --password Hunter2Spaced", "Hunter2Spaced"},
	{`docker login myreg.azurecr.io -u admin --password="tw0Eq w0rdsEq"`, "tw0Eq w0rdsEq"},
	{`docker login myreg.azurecr.io -u admin -p "tw0Flag w0rdsFlag"`, "tw0Flag w0rdsFlag"},
	{"docker login myreg.azurecr.io -u admin -p 'tw0Single w0rdsSingle'", "tw0Single w0rdsSingle"},
	{"docker login myreg.azurecr.io -u admin -p -dashFirst9", "-dashFirst9"},
	{`{"ServerURL": "myreg.azurecr.io", "Username": "admin", "password": "tw0Json w0rdsJson h3r3Json"}`, "tw0Json w0rdsJson h3r3Json"},
	{`{"ServerURL":"myreg.azurecr.io","Username":"admin","Secret":"Esc"aped9Json"}`, `Esc\"aped9Json`},
	{`{"auths": {"myreg.azurecr.io": {"auth": "YWRtaW46SnNvbkF1dGg="}}}`, "YWRtaW46SnNvbkF1dGg="},
	{`{'myreg.azurecr.io': {'auth': 'YWRtaW46UHlBdXRo'}}`, "YWRtaW46UHlBdXRo"},
	{`{'username': 'admin', 'password': 'tw0Py w0rdsPy'} for myreg.azurecr.io`, "tw0Py w0rdsPy"},
	{"https://user:pa/ss9Slash@myreg.azurecr.io/v2/", "pa/ss9Slash"},
	{"https://user:p@ss9At@myreg.azurecr.io/v2/", "p@ss9At"},
	{"https://user@example.com:Em4ilUser@myreg.azurecr.io/v2/", "Em4ilUser"},
	{"Get https://admin:Pl4inUrl@myreg.azurecr.io/v2/", "Pl4inUrl"},
	{"pw=Pw53cretKv myreg.azurecr.io", "Pw53cretKv"},
	{"pwd=Pwd53cretKv myreg.azurecr.io", "Pwd53cretKv"},
	{"passwd=Passwd53cret myreg.azurecr.io", "Passwd53cret"},
	{"secret=Secret53cretKv myreg.azurecr.io", "Secret53cretKv"},
	{"client_secret=Client53cretKv&grant_type=client_credentials myreg.azurecr.io", "Client53cretKv"},
	{"grant_type=refresh_token&service=myreg.azurecr.io&refresh_token=Refresh53cretKv", "Refresh53cretKv"},
	{"POST https://myreg.azurecr.io/oauth2/exchange access_token=Access53cretKv&tenant=t", "Access53cretKv"},
	{"AZURE_CLIENT_SECRET=Env53cretKv DOCKER_PASSWORD=Env53cretPw myreg.azurecr.io", "Env53cretKv Env53cretPw"},
	{"password: Yaml53cretKv # myreg.azurecr.io", "Yaml53cretKv"},
	{"Authorization: Bearer lettersonlytoken for myreg.azurecr.io", "lettersonlytoken"},
	{"Authorization: Bearer abcdefghijklmnopqrstuvwxyzABCDEF for myreg.azurecr.io", "abcdefghijklmnopqrstuvwxyzABCDEF"},
	{`curl -H "Authorization: Basic YWRtaW46QmFzaWNIZHI=" https://myreg.azurecr.io/v2/`, "YWRtaW46QmFzaWNIZHI="},
	{"Authorization: Basic dTpw myreg.azurecr.io", "dTpw"},
	{"Proxy-Authorization: Basic cHJveHk6UHJveHlQdw== via myreg.azurecr.io", "cHJveHk6UHJveHlQdw=="},
	{"map[Authorization:[Bearer GoHeaderDump]] to myreg.azurecr.io", "GoHeaderDump"},
	{"sent Bearer QmVhcmVyTm9IZWFkZXI to myreg.azurecr.io", "QmVhcmVyTm9IZWFkZXI"},
	{"token for myreg.azurecr.io: " + token, token},
	{"xx" + token + "yy myreg.azurecr.io", token},
	{"https://myreg.azurecr.io/oauth2/token?x=" + token + "&y=1", token},
	{`{"identitytoken":"` + token + `"} myreg.azurecr.io`, token},
	{"az acr login -n myreg --username admin --password AzAcr53cret", "AzAcr53cret"},
	{"az login --service-principal -u app --client-secret AzSp53cret --tenant t for myreg.azurecr.io", "AzSp53cret"},
	{"helm registry login myreg.azurecr.io --username admin -p H3lm53cret", "H3lm53cret"},
	{"oras login myreg.azurecr.io -u admin -p 0ras53cret", "0ras53cret"},
	{"oras login -u admin -p0rasAttached myreg.azurecr.io", "0rasAttached"},
	{"docker login myreg.azurecr.io -u admin -pHUNTER2SECRET", "HUNTER2SECRET"},
	{"curl -u admin:HUNTER2SECRET https://myreg.azurecr.io/v2/", "HUNTER2SECRET"},
	{"curl --user=admin:Curl53cretEq https://myreg.azurecr.io/v2/", "Curl53cretEq"},
	{"skopeo login --creds admin:HUNTER2SECRET myreg.azurecr.io", "HUNTER2SECRET"},
	{"skopeo copy --src-creds 'admin:Sk0peoSrc' docker://myreg.azurecr.io/app", "Sk0peoSrc"},
	{"az acr build -r myreg --docker-password HUNTER2SECRET", "HUNTER2SECRET"},
	{"password HUNTER2SECRET for myreg.azurecr.io", "HUNTER2SECRET"},
	{"token HUNTER2SECRET for myreg.azurecr.io", "HUNTER2SECRET"},
	{"the secret is Pr0seSecret for myreg.azurecr.io", "Pr0seSecret"},
	{"x-api-key: ApiKeyMixedCase myreg.azurecr.io", "ApiKeyMixedCase"},
	{"passphrase correcthorsebatterystaple myreg.azurecr.io", "correcthorsebatterystaple"},
}

// afterError is where pasted commands often end up: after the error the
// daemon printed for them, on the same line.
const afterError = `Error response from daemon: Get "https://myregxyz.azurecr.io/v2/": unauthorized: authentication required `

// secretParts are the words of a planted secret, each of which must be gone.
func secretParts(secret string) []string {
	return append(strings.Fields(secret), secret)
}

func TestRedactLeaks(t *testing.T) {
	const failure = " Error response from daemon: unauthorized: authentication required"
	for _, tc := range leaks {
		leaksOn(t, tc.line+failure, tc.secret)
		leaksOn(t, afterError+tc.line, tc.secret)
		line := tc.line + failure
		red := Redact(line)
		if strings.Contains(line, "myreg.azurecr.io") != strings.Contains(red, "myreg.azurecr.io") || !strings.HasSuffix(red, failure) {
			t.Errorf("Redact(%q)\n = %q lost the registry or the error", line, red)
		}
	}
}

// TestRedactAsRead: what explain shows of a line is redacted as pasted and
// as read, so a secret hidden by what showed the line (a JSON string, a
// web page, invisible characters) stays hidden.
func TestRedactAsRead(t *testing.T) {
	const secret = "Hunter2Secret9x"
	for _, line := range []string{
		`{"password":"\"` + secret + `\""}`,
		`{"password":"abc\"` + secret + `"}`,
		`password: "abc\"` + secret + `"`,
		`"password": "abc&quot;` + secret + `"`,
		"pass&#8203;word=" + secret,
		"pass&shy;word=" + secret,
		"pass\u00adword=" + secret,
		"pass\u200eword=" + secret,
		"\x1b[1mpassword\x1b[0m=" + secret,
		"docker login -u admin --password\r" + secret,
	} {
		fs := ExplainString("Error response from daemon: unauthorized: authentication required " + line)
		if got := mustJSON(t, fs); strings.Contains(got, secret[4:12]) || len(fs) == 0 {
			t.Errorf("%q: %s", line, got)
		}
	}
}

// TestShownRedactedWhole: what a finding shows of a long line, its start
// and its end, is cut from the line redacted whole: a secret known by
// words far from the part shown (a Cookie header, a here-string) stays
// hidden. A mask hides a value in the fixes too.
func TestShownRedactedWhole(t *testing.T) {
	cookies := strings.Repeat("pref=on; ", 150)
	for _, line := range []string{
		`msg="GET https://myreg.azurecr.io/v2/app/manifests/1 401 Unauthorized" req.header="Cookie: ` + cookies + `JSESSIONID=8F2A9C0D4E7B1A36D5C8E9F0"`,
		`docker login --password-stdin -u me myreg.azurecr.io <<< 'Tr0ub4dor&3x' ` + strings.Repeat("x ", 800) + `unauthorized: authentication required`,
		`echo 'Tr0ub4dor&3x' | docker login myreg.azurecr.io ` + strings.Repeat("x ", 800) + `--password-stdin: unauthorized: authentication required`,
	} {
		fs := ExplainString(line)
		blob := mustJSON(t, fs)
		if len(fs) == 0 || strings.Contains(blob, "8F2A9C0D") || strings.Contains(blob, "Tr0ub4dor") {
			t.Errorf("%.60q…: %s", line, blob)
		}
	}
	fs := ExplainString("::add-mask::secretproject\nError response from daemon: manifest for myreg.azurecr.io/secretproject/app:1 not found: manifest unknown: manifest unknown")
	if blob := mustJSON(t, fs); len(fs) == 0 || strings.Contains(blob, "secretproject") {
		t.Errorf("a masked value in the findings: %s", blob)
	}
}

// leaksOn checks that no part of secret survives in Redact(line) or in
// anything Explain returns for it, and that Explain still finds the
// failure on the line.
func leaksOn(t *testing.T, line, secret string) {
	t.Helper()
	red := Redact(line)
	fs := ExplainString(line)
	whole, err := json.Marshal(struct {
		Findings   []Finding
		Registries []string
	}{fs, Registries(line)})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range secretParts(secret) {
		if strings.Contains(red, part) {
			t.Errorf("Redact(%q)\n = %q keeps %q", line, red, part)
		}
		if strings.Contains(string(whole), part) || strings.Contains(string(whole), strings.Trim(mustJSON(t, part), `"`)) {
			t.Errorf("Explain(%q) keeps %q: %s", line, part, whole)
		}
	}
	if len(fs) == 0 || fs[0].LineNo != 1 {
		t.Errorf("Explain(%q) found nothing on the line: %+v", line, fs)
	}
	if again := Redact(red); again != red {
		t.Errorf("Redact is not idempotent: %q → %q", red, again)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRedactKeeps: words and values that are not secrets stay.
func TestRedactKeeps(t *testing.T) {
	for _, line := range []string{
		`Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized: authentication required`,
		"docker login myreg.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin",
		"az acr login -n myreg --expose-token --output tsv --query accessToken",
		"failed to fetch oauth token: unexpected status: 401 Unauthorized",
		`WWW-Authenticate: Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`,
		"GET https://myreg.azurecr.io/oauth2/token?account=u&client_id=docker&offline_token=true&service=myreg.azurecr.io",
		"Registry 'myreg.azurecr.io' did not ask properly for a basic or a bearer authentication.",
		"docker pull myreg.azurecr.io/team/app@sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1",
		"https://myreg.azurecr.io:443/v2/team/app/manifests/latest",
		`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Name":"app","Action":"pull"}]}]}`,
		// A key in prose followed by a word, not a value.
		"Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: token expired",
		"login failed: password is wrong for admin; secret is missing; PASSWORD REQUIRED",
		"failed to fetch token: 401 Unauthorized; refresh token: AADSTS70043: The refresh token has expired",
		"failed to get token https://myreg.azurecr.io/oauth2/token from myreg.azurecr.io",
		"docker run -u 1000:1000 myreg.azurecr.io/app",
	} {
		if got := Redact(line); got != line {
			t.Errorf("Redact(%q)\n = %q, want it unchanged", line, got)
		}
	}
}

// FuzzRedact plants a secret in the key=value, JSON and flag shapes after
// arbitrary text: no word of it may survive.
func FuzzRedact(f *testing.F) {
	f.Add("docker login myreg.azurecr.io ", "hunter2", uint8(0))
	f.Add(`{"ServerURL":"x",`, "two words", uint8(1))
	f.Add("", `qu"ote\`, uint8(2))
	f.Add("x ", "a'b", uint8(3))
	f.Add("pw=", "s3cr3t", uint8(4))
	kvKeys := []string{"password", "passwd", "pwd", "pw", "secret", "client_secret", "refresh_token", "access_token", "DOCKER_PASSWORD", "token"}
	jsonKeys := []string{"password", "Password", "Secret", "auth", "identitytoken", "IdentityToken", "access_token", "refresh_token", "client_secret", "registrytoken"}
	f.Fuzz(func(t *testing.T, prefix, secret string, shape uint8) {
		if len(secret) < 4 || strings.TrimSpace(secret) != secret || strings.Contains(Mark, secret) || !utf8.ValidString(secret) {
			return
		}
		var line string
		switch k := int(shape/8) % len(kvKeys); shape % 8 {
		case 0, 4: // key=value: one word, as a shell or a query has it
			if strings.ContainsAny(secret, " \t\r\n\"',;&{}[") {
				return
			}
			sep := "="
			if shape%8 == 4 {
				sep = " = "
			}
			line = prefix + " " + kvKeys[k] + sep + secret + " rest"
		case 1, 5: // JSON, with and without blanks
			v, _ := json.Marshal(secret)
			sep := ":"
			if shape%8 == 5 {
				sep = ": "
			}
			line = prefix + `{"ServerURL":"myreg.azurecr.io","Username":"u","` + jsonKeys[k%len(jsonKeys)] + `"` + sep + string(v) + "} rest"
		case 2: // a Python dict
			if strings.ContainsAny(secret, "'\n") {
				return
			}
			line = prefix + "{'" + jsonKeys[k%len(jsonKeys)] + "': '" + secret + "'} rest"
		case 3, 6: // a password flag, quoted when it has blanks
			if strings.ContainsAny(secret, "\"\n\r") {
				return
			}
			flag := []string{" -p ", " --password ", " --password=", " --client-secret "}[k%4]
			line = prefix + flag + `"` + secret + `" rest`
		case 7: // -p with the value attached
			if strings.ContainsAny(secret, " \t\r\n\v\f\x85\xa0=") || strings.IndexFunc(secret, unicode.IsSpace) >= 0 {
				return
			}
			line = prefix + " -p" + secret + " rest"
		}
		if strings.Contains(strings.Replace(line, secret, "", 1), secret) {
			return // the secret is in the rest of the line too
		}
		if out := Redact(line); strings.Contains(out, secret) {
			t.Fatalf("Redact(%q)\n = %q keeps the secret %q", line, out, secret)
		}
	})
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []cause.ID
		reg  string // Registry of the first finding
		no   int    // LineNo of the first finding
	}{
		{"none", "Login Succeeded\n", nil, "", 0},
		{"order of the text", "Error: x509: certificate signed by unknown authority\nCannot connect to the Docker daemon at unix:///var/run/docker.sock\n",
			[]cause.ID{cause.TLS, cause.DockerEnvironment}, "", 1},
		{"once per cause", "a: unauthorized: authentication required\nb: unauthorized: authentication required\n", []cause.ID{cause.InvalidCredentials}, "", 1},
		{"AAD before 401", "Get \"https://regone.azurecr.io/v2/\": unauthorized: Application not registered with AAD.", []cause.ID{cause.AADNotRegistered}, "regone.azurecr.io", 1},
		{"upper case before 401", "Get https://MyReg.azurecr.io/v2/: unauthorized: authentication required", []cause.ID{cause.RegistryName}, "myreg.azurecr.io", 1},
		{"anonymous token 401 is not anonymous_pull_blocked",
			"failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://regtwo.azurecr.io/oauth2/token?scope=x: 401 Unauthorized",
			[]cause.ID{cause.InvalidCredentials}, "regtwo.azurecr.io", 1},
		{"anonymous token 403 is the firewall",
			"failed to fetch anonymous token: unexpected status from GET request to https://regtwo.azurecr.io/oauth2/token: 403 Forbidden",
			[]cause.ID{cause.NetworkFirewall}, "regtwo.azurecr.io", 1},
		{"anonymous pull enabled", "az acr update -n regthree --anonymous-pull-enabled\ndocker pull regthree.azurecr.io/a:1\nunauthorized: authentication required",
			[]cause.ID{cause.AnonymousPullBlocked}, "regthree.azurecr.io", 3},
		{"check-health code refined by its message", "An error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR\nAccess to registry 'regfour.azurecr.io' was denied. Response code: 401.",
			[]cause.ID{cause.InsufficientPermission}, "regfour.azurecr.io", 2},
		{"registry from an earlier line", "docker push regfive.azurecr.io/a:1\nerror\ndenied: requested access to the resource is denied",
			[]cause.ID{cause.InsufficientPermission}, "regfive.azurecr.io", 3},
		{"NXDOMAIN for other hosts is the resolver", "dial tcp: lookup proxy.corp on 10.0.0.1:53: no such host", []cause.ID{cause.NetworkUnreachable}, "", 1},
		{"TLS handshake timeout is the network", "net/http: TLS handshake timeout", []cause.ID{cause.NetworkUnreachable}, "", 1},
		{"throttled", "toomanyrequests: Too many requests", []cause.ID{cause.Throttled}, "", 1},
		{"5xx", "received unexpected HTTP status: 503 Service Unavailable", []cause.ID{cause.RegistryError}, "", 1},
		{"expired", "unauthorized: token is expired", []cause.ID{cause.ExpiredCredentials}, "", 1},
		{"clock", "error: token used before issued", []cause.ID{cause.ClockSkew}, "", 1},
		// -u and -p swapped for the admin user: the registry's name, given
		// with -p, is no secret to mask in every login server.
		{"admin user swapped", "docker login regseven.azurecr.io -u Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt -p regseven\nError response from daemon: Get \"https://regseven.azurecr.io/v2/\": unauthorized: Application not registered with AAD.",
			[]cause.ID{cause.AADNotRegistered}, "regseven.azurecr.io", 2},
		{"an emptied folder in pass", "Error saving credentials: error storing credentials - err: exit status 1, out: `error getting credentials - err: exit status 1, out: `no usernames for regsix.azurecr.io``",
			[]cause.ID{cause.CredentialStore}, "regsix.azurecr.io", 1},
		// The registry of the finding's own line, or the nearest before it.
		{"registry of the failing line", "docker login aregone.azurecr.io\nError response from daemon: Get \"https://bregtwo.azurecr.io/v2/\": unauthorized: authentication required",
			[]cause.ID{cause.InvalidCredentials}, "bregtwo.azurecr.io", 2},
		{"registry nearest before", "docker login aregone.azurecr.io\nThe push refers to repository [bregtwo.azurecr.io/app]\nunauthorized: authentication required",
			[]cause.ID{cause.InvalidCredentials}, "bregtwo.azurecr.io", 3},
		// A host touched by a look-alike or a control character names no
		// registry: the fixes keep their placeholders.
		{"full-width letter in the host", "Error: Get \"https://\uff45vilreg.azurecr.io/v2/\": unauthorized", []cause.ID{cause.InvalidCredentials}, "", 1},
		{"control sequence in the host", "Error: Get \"https://my\x1b]0;PWN\x07reg.azurecr.io/v2/\": unauthorized", []cause.ID{cause.InvalidCredentials}, "", 1},
		{"control sequence before a valid name", "Error: Get \"https://my\x1b]0;PWN\x07xyzreg.azurecr.io/v2/\": unauthorized", []cause.ID{cause.InvalidCredentials}, "", 1},
		{"look-alike after a named registry", "docker login aregone.azurecr.io\nError: Get \"https://\uff45vilreg.azurecr.io/v2/\": unauthorized",
			[]cause.ID{cause.InvalidCredentials}, "aregone.azurecr.io", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := ExplainString(tc.in)
			if got := ids(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("causes = %v, want %v", got, tc.want)
			}
			if len(fs) == 0 {
				return
			}
			if fs[0].Registry != tc.reg || fs[0].LineNo != tc.no {
				t.Errorf("first finding at %d for %q, want %d for %q", fs[0].LineNo, fs[0].Registry, tc.no, tc.reg)
			}
			c := fs[0].Cause
			if c.Title == "" || len(c.Docs) == 0 || len(c.Remediation) == 0 || c.Evidence != fs[0].Line {
				t.Errorf("cause not filled in: %+v", c)
			}
			want := "<registry>"
			if tc.reg != "" {
				want = tc.reg
			}
			fix := strings.Join(c.Remediation, "\n")
			if !strings.Contains(fix, want) && !strings.Contains(fix, strings.TrimSuffix(strings.ReplaceAll(want, "<registry>", "<name>"), ".azurecr.io")) {
				t.Errorf("remediation does not name %q: %q", want, c.Remediation)
			}
			// Every registry the fixes name is the finding's.
			name := strings.TrimSuffix(tc.reg, ".azurecr.io")
			for _, m := range fixNames.FindAllStringSubmatch(fix, -1) {
				if got := m[1] + m[2]; got != tc.reg && got != name {
					t.Errorf("remediation names %q, want only %q: %q", got, tc.reg, c.Remediation)
				}
			}
		})
	}
}

// fixNames finds the registries a fix names: hosts, and az's -n.
var fixNames = regexp.MustCompile(`([^\s"/<>]+\.azurecr\.[a-z]+)|(?:-n|--attach-acr) ([^\s"<>]+)`)

func TestHuge(t *testing.T) {
	long := strings.Repeat("x", 10<<20) + " unauthorized: authentication required\nCannot connect to the Docker daemon\n"
	many := strings.Repeat("ok\n", 100_000) + "x509: certificate signed by unknown authority\n"
	for _, tc := range []struct {
		name string
		in   string
		want []cause.ID
	}{
		// The 10 MB line is cut to its start, and the 4 MiB read ends
		// inside it, so nothing after it is seen.
		{"10 MB line", long, nil},
		{"100k lines", many, []cause.ID{cause.TLS}},
	} {
		in := tc.in
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Explain(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if len(f.Line) > maxEvident {
					t.Errorf("Line is %d bytes", len(f.Line))
				}
			}
			if got := ids(fs); !slices.Equal(got, tc.want) {
				t.Errorf("causes = %v, want %v", got, tc.want)
			}
		})
	}
	// A long line is cut, not dropped: what starts it still counts.
	fs := ExplainString("unauthorized: authentication required " + strings.Repeat("y", 1<<20) + "\nCannot connect to the Docker daemon\n")
	if got := ids(fs); !slices.Equal(got, []cause.ID{cause.DockerEnvironment, cause.InvalidCredentials}) || fs[0].LineNo != 2 {
		t.Errorf("long line: %v", got)
	}
}

// BenchmarkExplain4MiB reads a 4 MiB CI log, the most explain reads: a
// million short lines with the error at the end.
func BenchmarkExplain4MiB(b *testing.B) {
	log := strings.Repeat("#12 pushing layer 4f4fb700ef54 done\n", 110_000) + "x509: certificate signed by unknown authority\n"
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) != 1 {
			b.Fatalf("%d findings", len(fs))
		}
	}
}

// BenchmarkExplainDense4MiB reads 4 MiB in which every line names a
// registry or an error: the most work a log of that size asks.
func BenchmarkExplainDense4MiB(b *testing.B) {
	log := strings.Repeat(hookSample, (4<<20)/len(hookSample))
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}

// BenchmarkExplainEscaped4MiB reads 4 MiB of JSON log lines whose
// messages hold escaped line breaks, each split into the lines it holds.
func BenchmarkExplainEscaped4MiB(b *testing.B) {
	line := `{"level":"error","msg":"push failed:\n` + strings.ReplaceAll(strings.ReplaceAll(hookSample, `"`, `\"`), "\n", `\n`) + `"}` + "\n"
	log := strings.Repeat(line, (4<<20)/len(line))
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}

// BenchmarkExplainHook reads what a CLI hook gets: the few KB of a failed
// docker push, with hosts, references and errors on most lines.
func BenchmarkExplainHook(b *testing.B) {
	log := strings.Repeat(hookSample, 8)
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}

const hookSample = `$ docker push myreg.azurecr.io/team/app:1.4.2
The push refers to repository [myreg.azurecr.io/team/app]
5f70bf18a086: Preparing
623c87dfb411: Preparing
Get "https://myreg.azurecr.io/v2/": dial tcp: lookup myreg.azurecr.io on 10.0.0.1:53: read udp 10.0.0.5:40012->10.0.0.1:53: i/o timeout
Error response from daemon: Head "https://myreg.azurecr.io/v2/team/app/manifests/1.4.2": unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.
WARNING: Unable to get AAD authorization tokens with message: 2022-12-12 16:05:11.564324 An error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR
Access to registry 'myreg.azurecr.io' was denied. Response code: 429. Please try running 'az login' again to refresh permissions.
`

// FuzzExplain holds Explain to its contract on any input: known causes,
// each once, a confidence from the three, evidence that fits its line and
// holds no token, and the same answer every time.
func FuzzExplain(f *testing.F) {
	paths, _ := filepath.Glob("testdata/corpus/*.txt")
	seeds := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		// Seeds come from the tune split only.
		if err != nil || !strings.Contains(string(b), "\n# split: tune") {
			continue
		}
		f.Add(string(b))
		if seeds++; seeds == 10 {
			break
		}
	}
	f.Add(hookSample)
	known := map[cause.ID]bool{}
	for _, id := range cause.IDs() {
		known[id] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs := ExplainString(s)
		lines, from := textLines(s)
		last := len(lines) // the number of the text's last line
		if len(from) > 0 {
			last = from[len(from)-1] + 1
		}
		seen := map[cause.ID]bool{}
		for _, f := range fs {
			if !known[f.Cause.ID] || seen[f.Cause.ID] {
				t.Fatalf("ID %q unknown or repeated", f.Cause.ID)
			}
			seen[f.Cause.ID] = true
			switch f.Confidence {
			case Certain, Likely, Possible:
			default:
				t.Fatalf("%s: confidence %q", f.Cause.ID, f.Confidence)
			}
			if f.LineNo < 1 || f.LineNo > last || len(f.Line) > maxEvident || jwtLeak.MatchString(f.Line) {
				t.Fatalf("bad finding %+v", f)
			}
			for _, e := range f.Evidence {
				if e.Source != FromText || len(e.Text) > maxEvident || jwtLeak.MatchString(e.Text) {
					t.Fatalf("bad evidence %+v", e)
				}
			}
		}
		if again := ExplainString(s); !reflect.DeepEqual(fs, again) {
			t.Fatalf("not deterministic:\n%+v\n%+v", fs, again)
		}
	})
}

// BenchmarkExplainManyRegistries4MiB reads 4 MiB of refusals, each line
// from another registry: every line a host to track and a finding to
// weigh.
func BenchmarkExplainManyRegistries4MiB(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 4<<20; i++ {
		fmt.Fprintf(&sb, "Error response from daemon: Get \"https://reg%d.azurecr.io/v2/\": unauthorized: authentication required\n", i)
	}
	log := sb.String()
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}

// BenchmarkExplainEmptyLines4MiB: 4 MiB of empty lines with one failure
// at the end: a line's fixed costs (an attack found 1.8 s here).
func BenchmarkExplainEmptyLines4MiB(b *testing.B) {
	log := strings.Repeat("\n", 4<<20-200) + "Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: authentication required\n"
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if fs := ExplainString(log); len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}

// BenchmarkExplainLoginBlanks: logins whose arguments are long runs of
// escaped blanks, which are joined into one word (an attack found their
// square: 15 s).
func BenchmarkExplainLoginBlanks(b *testing.B) {
	log := strings.Repeat("docker login -p "+strings.Repeat("\\ ", 32000)+"\n", 60)
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		ExplainString(log)
	}
}

// TestSplitLines: lines without their line feeds and carriage returns, a
// long one cut at maxLine bytes, no line after a final line feed.
func TestSplitLines(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"a", []string{"a"}},
		{"a\r\n\nb\n", []string{"a", "", "b"}},
		// A long line keeps its start and its end.
		{long + "\nend", []string{long[:maxLine/2] + " … " + long[:maxLine/2-len(" … ")], "end"}},
		{long[:maxLine] + "\r\n", []string{long[:maxLine]}},
		// A carriage return alone ends a line, whatever the length of
		// the text around it.
		{"docker login -p\rhunter2\rError\r\n", []string{"docker login -p", "hunter2", "Error"}},
		{long + "\r" + long[:10] + "\rError", []string{long[:maxLine/2] + " … " + long[:maxLine/2-len(" … ")], long[:10], "Error"}},
	} {
		if got, _ := splitLines(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitLines(%.20q…) = %d lines %.40q, want %d", tt.in, len(got), got, len(tt.want))
		}
	}
	// Where lines end in line feeds, a progress bar's carriage returns
	// split a line without changing the numbers of those after it.
	if got, from := splitLines("a\rb\rc\nd\ne"); !slices.Equal(got, []string{"a", "b", "c", "d", "e"}) || !slices.Equal(from, []int{0, 0, 0, 1, 2}) {
		t.Errorf("progress: %q %v", got, from)
	}
	if _, from := splitLines("a\rb\rc"); from != nil {
		t.Errorf("an old Mac file's lines are its carriage returns' pieces: %v", from)
	}
}

// TestSplitEscaped: a message held as an escaped string reads as the
// lines the tool printed, each from the line it was pasted on; text that
// only names \n, and a Windows path, stay whole.
func TestSplitEscaped(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want []string
		from []int
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, nil},
		{[]string{"top", `{"message":"Get \"https://r.io/v2/\": EOF\nunauthorized: authentication required"}`, "end"},
			[]string{"top", `Get \"https://r.io/v2/\": EOF`, "unauthorized: authentication required", "end"}, []int{0, 1, 1, 2}},
		{[]string{`errors:\r\ndenied: requested access\r\nunauthorized`}, []string{"errors:", "denied: requested access", "unauthorized"}, []int{0, 0, 0}},
		// An escaped backslash before n is not a break.
		{[]string{`a\\nb\nc\nd`}, []string{`a\\nb`, "c", "d"}, []int{0, 0, 0}},
		{[]string{`{"msg":"login failed\nmyreg.azurecr.io: unauthorized"}`}, []string{"login failed", "myreg.azurecr.io: unauthorized"}, []int{0, 0}},
		// A log record's one line, without the rest of the record.
		{[]string{`{"log":"Error: x509: certificate signed by unknown authority\n","stream":"stderr"}`, "next"}, []string{"Error: x509: certificate signed by unknown authority", "next"}, []int{0, 1}},
		// One break and no other escape: prose that names it.
		{[]string{`split the output at \n to read it`}, []string{`split the output at \n to read it`}, nil},
		{[]string{`open C:\new\nodes\name: access denied`}, []string{`open C:\new\nodes\name: access denied`}, nil},
	} {
		got, from := splitEscaped(tt.in, nil)
		if !slices.Equal(got, tt.want) || !slices.Equal(from, tt.from) {
			t.Errorf("splitEscaped(%q) = %q %v, want %q %v", tt.in, got, from, tt.want, tt.from)
		}
	}
}

// TestWords: a line reads as the tool printed it, whatever showed it.
func TestWords(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// Colours go; any other control sequence stays, to be distrusted.
		{"\x1b[31;1mError:\x1b[0m denied\x1b[K", "Error: denied"},
		{"my\x1b]0;PWN\x07reg", "my\x1b]0;PWN\x07reg"},
		{"\x1b[", "\x1b["},
		// A JSON string's escapes are undone; others stay.
		{`{"message":"Head \"https://r.azurecr.io/v2/\": denied \\\\.\\pipe\n"}`, `{"message":"Head "https://r.azurecr.io/v2/": denied \\.\pipe\n"}`},
		{`C:\Users\me`, `C:\Users\me`},
		// A printable character written as a \u escape reads as itself; a
		// control character stays written out.
		{`{"msg":"denied H\u0075nter\u0007"}`, `{"msg":"denied Hunter\u0007"}`},
		// Colours written as escapes (a JSON log, Go's %q, printf) go too.
		{`{"log":"pushing \u001b[1mmyreg.azurecr.io/app:1\u001b[0m: denied"}`, `{"log":"pushing myreg.azurecr.io/app:1: denied"}`},
		{`err="pushing \033[36mmyreg.azurecr.io\033[0m" \x1b[31;1mx\e[K \u001b[ and \n`, `err="pushing myreg.azurecr.io" x \u001b[ and \n`},
		// A URL a tracker made a Markdown link of reads as printed; a
		// link with words of its own stays.
		{`Get "[https://localhost:5001/v2/":](https://localhost:5001/v2/":) http: server gave HTTP response to HTTPS client`, `Get "https://localhost:5001/v2/": http: server gave HTTP response to HTTPS client`},
		{`see [the docs](https://aka.ms/acr) and [x`, `see [the docs](https://aka.ms/acr) and [x`},
		{`[https://goodreg.azurecr.io/v2/](https://evil.example.com/v2/)`, `[https://goodreg.azurecr.io/v2/](https://evil.example.com/v2/)`},
		// What a web page did to a copied line is undone: its entities
		// (those that end in a semicolon and make no control character),
		// then wide, invisible and typographic characters.
		{"Get &quot;https://r.azurecr.io/v2/&quot;:\u00a0denied\u200b \u201cx\u2019", `Get "https://r.azurecr.io/v2/": denied "x'`},
		{"a&#10;b &#27;]0;x&#7; &#x9b; &amp;", "a&#10;b &#27;]0;x&#7; &#x9b; &"},
		{"pass&#8203;word= pass&shy;word pass\u00adword pa&ZeroWidthSpace;ss \u202eright&#x202E;", "password= password password pass right"},
		{"&amp &quot &#65ABC &#xAADSTS7000215 &#0; &#x110000; &bogus; &", "&amp &quot &#65ABC &#xAADSTS7000215 &#0; &#x110000; &bogus; &"},
		{"&#65;&#x42;&lt;&gt;&apos;&nbsp;", "AB<>' "},
		{"\xff\u00a0&amp;", "\ufffd &"}, // not UTF-8: the bad byte reads as U+FFFD
	} {
		if got := words(tt.in); got != tt.want {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestClientStrings reads lines built from the error strings of the
// clients' own sources (containerd, distribution, docker/cli, moby,
// buildkit, containers/image, go-containerregistry, oras-go, Helm, the
// kubelet, azidentity, az) and of the Azure services that pull images
// (App Service, Container Apps, Container Instances, AKS, Azure ML, the CI
// tasks): each names first one of the causes listed for it, or nothing
// where it says none.
func TestClientStrings(t *testing.T) {
	for file, least := range map[string]int{"clients.tsv": 300, "services.tsv": 100} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, row := range strings.Split(string(b), "\n") {
			if row == "" || strings.HasPrefix(row, "#") {
				continue
			}
			f := strings.SplitN(row, "\t", 3)
			if len(f) != 3 {
				t.Fatalf("%s: malformed row %q", file, row)
			}
			n++
			want := strings.Split(f[0], ",")
			fs := ExplainString(f[2])
			got := "none"
			if len(fs) > 0 {
				got = string(fs[0].Cause.ID)
			}
			if !slices.Contains(want, got) {
				t.Errorf("%s: %s (%s): first cause %s, want one of %v", file, f[2], f[1], got, want)
			}
		}
		if n < least {
			t.Errorf("%s: %d lines, want at least %d", file, n, least)
		}
	}
}

// TestRegistriesBounded: a text naming thousands of registries lists the
// first maxRegistries, which run checks live, in order.
func TestRegistriesBounded(t *testing.T) {
	var sb strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&sb, "Get https://REG%05d.AZURECR.IO/v2/: unauthorized\n", i)
	}
	got := Registries(sb.String())
	if len(got) != maxRegistries || got[0] != "reg00000.azurecr.io" || got[maxRegistries-1] != fmt.Sprintf("reg%05d.azurecr.io", maxRegistries-1) {
		t.Errorf("%d registries: %v…", len(got), got[:min(3, len(got))])
	}
}

// TestMaskedEverywhere: a value the log tells its CI to mask is masked on
// every line explain shows, as the CI masks it.
// TestMaskedEverywhere: a value the text masks or gives as a secret is
// hidden on every line that shows it, not only where it is marked.
func TestMaskedEverywhere(t *testing.T) {
	for _, tc := range []struct{ text, secret string }{
		{"##vso[task.setsecret]plainwordsecret\nError: unauthorized for myreg.azurecr.io with plainwordsecret", "plainwordsecret"},
		{`Error response from daemon: Get "https://myreg.azurecr.io/v2/": unauthorized: authentication required; password Qw7rT9zP4vLmSAME used, got Qw7rT9zP4vLmSAME rejected`, "Qw7rT9zP4vLmSAME"},
		{"+ docker login myreg.azurecr.io -u 0f1e2d3c-aaaa-bbbb-cccc-0123456789ab --password Zq8~fRt.Pw3xYvB_kLmN9oQ2sT4uV6wX8yZ0aB\n" +
			"Error: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '0f1e2d3c'. Secret: Zq8~fRt.Pw3xYvB_kLmN9oQ2sT4uV6wX8yZ0aB\n" +
			"error getting credentials - err: exit status 1, out: `Zq8~fRt.Pw3xYvB_kLmN9oQ2sT4uV6wX8yZ0aB`", "Zq8~fRt.Pw3xYvB_kLmN9oQ2sT4uV6wX8yZ0aB"},
	} {
		fs := ExplainString(tc.text)
		if len(fs) == 0 {
			t.Fatalf("%.40q: no finding", tc.text)
		}
		for _, f := range fs {
			for _, e := range f.Evidence {
				if strings.Contains(e.Text, tc.secret) {
					t.Errorf("evidence shows the secret: %q", e.Text)
				}
			}
			if strings.Contains(f.Line, tc.secret) || strings.Contains(f.Cause.Evidence, tc.secret) {
				t.Errorf("finding shows the secret: %+v", f)
			}
		}
	}
}

// TestUnwrap: lines cut at a terminal's width are joined back, and the
// findings still name the line of the text they start on.
func TestUnwrap(t *testing.T) {
	cut := "Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized:  a" // 80 runes
	for _, tt := range []struct {
		name string
		in   []string
		want []string
		at   []int
	}{
		{"cut at 80", []string{"$ docker login myreg.azurecr.io", cut, "uthentication required", "done"},
			[]string{"$ docker login myreg.azurecr.io", cut + "uthentication required", "done"}, []int{0, 1, 3}},
		{"one long line of no terminal's width", []string{"short", strings.Repeat("x", 73), "next"}, []string{"short", strings.Repeat("x", 73), "next"}, nil},
		{"a repeat is not a rest", []string{cut, cut, "end"}, []string{cut, cut + "end"}, []int{0, 1}},
		{"a shared prefix starts a line of its own", []string{"##[error]" + cut[9:], "##[error]next", "x"}, []string{"##[error]" + cut[9:], "##[error]next", "x"}, []int{0, 1, 2}},
		{"a blank line is no rest", []string{cut, "", "x"}, []string{cut, "", "x"}, []int{0, 1, 2}},
		{"short lines", []string{"a", "b"}, []string{"a", "b"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, at := unwrap(tt.in, nil)
			if !slices.Equal(got, tt.want) || !slices.Equal(at, tt.at) {
				t.Errorf("unwrap = %q %v, want %q %v", got, at, tt.want, tt.at)
			}
		})
	}
	fs := ExplainString("$ docker login myreg.azurecr.io\n" + cut + "\nuthentication required\nError: x509: certificate signed by unknown authority")
	if len(fs) == 0 || fs[0].LineNo != 4 {
		t.Fatalf("findings %v, want the first on line 4", fs)
	}
	if len(fs) < 2 || fs[1].LineNo != 2 || !strings.HasSuffix(fs[1].Line, "unauthorized:  authentication required") {
		t.Errorf("second finding at %d %q, want line 2, whole", fs[1].LineNo, fs[1].Line)
	}
	// Cut at the width the terminal showed: a JSON string's escapes as
	// printed, colours not.
	escaped := `{"message": "Get \"https://myreg.azurecr.io/v2/\": unauthorized: authentication ` // 80 runes
	for _, text := range []string{escaped + "\nrequired\"}", "\x1b[31m" + cut + "\x1b[0m\nuthentication required"} {
		if fs := ExplainString(text); len(fs) == 0 || !strings.Contains(fs[0].Line, "required") {
			t.Errorf("%q: findings %v, want the cut line read whole", text, fs)
		}
	}
	// A progress bar's carriage returns do not move the lines after it.
	if fs := ExplainString("Pulling fs layer\rDownloading 1MB\rPull complete\nline2\nline3\nError: x509: certificate signed by unknown authority\n"); len(fs) == 0 || fs[0].LineNo != 4 {
		t.Errorf("findings %v, want the first on line 4, as grep -n numbers it", fs)
	}
	// The end of a longer file keeps the file's line numbers.
	if fs := ExplainWith("x\nError: x509: certificate signed by unknown authority", Options{FirstLine: 1001}); len(fs) == 0 || fs[0].LineNo != 1002 {
		t.Errorf("findings %v, want the first on line 1002", fs)
	}
}

// TestDoneWith: a registry whose pull succeeded is not the one a later
// failure that names none is about.
func TestDoneWith(t *testing.T) {
	for _, tc := range []struct{ name, done string }{
		{"docker", "Status: Downloaded newer image for node:20"},
		{"BuildKit", "#2 [internal] load metadata for docker.io/library/node:20\n#2 DONE 1.2s"},
		{"BuildKit cache", "#4 FROM docker.io/library/node:20\n#4 CACHED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := ExplainString(tc.done + "\nError: denied: requested access to the resource is denied")
			if len(fs) == 0 || fs[0].Cause.ID != cause.InsufficientPermission {
				t.Errorf("causes %v, want insufficient_permissions (not a push to Docker Hub)", ids(fs))
			}
		})
	}
	// A step still running is what the failure is about.
	if fs := ExplainString("#2 [internal] load metadata for docker.io/library/node:20\n#2 0.5s done fetching\nERROR: pull access denied, repository does not exist or may require authorization"); len(fs) == 0 || fs[0].Cause.ID != cause.RegistryName {
		t.Errorf("causes %v, want registry_name", ids(fs))
	}
}

// TestClusterPull: a node's refused pull from ACR is fixed on the cluster
// (its kubelet identity, a pull secret), and a long event shows its end,
// where the status is.
func TestClusterPull(t *testing.T) {
	line := `  Warning  Failed  12s  kubelet  Failed to pull image "contosoprod.azurecr.io/web/api:1.4.3": rpc error: code = Unknown desc = failed to pull and unpack image "contosoprod.azurecr.io/web/api:1.4.3": failed to resolve reference "contosoprod.azurecr.io/web/api:1.4.3": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://contosoprod.azurecr.io/oauth2/token?scope=repository%3Aweb%2Fapi%3Apull&service=contosoprod.azurecr.io: 401 Unauthorized`
	fs := ExplainString(line)
	if len(fs) == 0 || fs[0].Cause.ID != cause.InvalidCredentials {
		t.Fatalf("causes %v, want invalid_credentials", ids(fs))
	}
	fix := strings.Join(fs[0].Cause.Remediation, "\n")
	if !strings.Contains(fix, "--attach-acr contosoprod") || !strings.Contains(fix, "imagePullSecrets") {
		t.Errorf("fix %q, want the cluster's", fix)
	}
	if !strings.HasPrefix(fs[0].Line, "Warning  Failed") || !strings.HasSuffix(fs[0].Line, "401 Unauthorized") || len(fs[0].Line) > maxEvident {
		t.Errorf("line %q, want its start and its end", fs[0].Line)
	}
	// The same words from a docker pull keep docker's fix.
	fs = ExplainString(`Error response from daemon: Head "https://contosoprod.azurecr.io/v2/web/api/manifests/1.4.3": unauthorized: authentication required`)
	if len(fs) == 0 || strings.Contains(strings.Join(fs[0].Cause.Remediation, "\n"), "attach-acr") {
		t.Errorf("docker pull: %v", fs)
	}
}

// TestGivenSecretEscaped: a given password repeated with \u escapes in a
// JSON log is masked as read.
func TestGivenSecretEscaped(t *testing.T) {
	log := `{"log":"+ docker login myreg.azurecr.io -u admin -p HunterTwo2024\n","stream":"stderr"}` + "\n" +
		`{"log":"Error response from daemon: Get \"https://myreg.azurecr.io/v2/\": unauthorized: authentication required \u0048unterTwo2024\n","stream":"stderr"}` + "\n" +
		`{"msg":"denied: requested access to the resource is denied H\u0075nterTwo2024"}`
	blob, _ := json.Marshal(ExplainString(log))
	if strings.Contains(string(blob), "nterTwo2024") || strings.Contains(string(blob), "unterTw") {
		t.Errorf("the password shows: %s", blob)
	}
}

// TestSwappedAdminNameShown: the registry's name given with -p (the admin
// user's, -u and -p swapped) is not masked in the login servers the
// evidence quotes; the password given with -u is no evidence line's.
func TestSwappedAdminNameShown(t *testing.T) {
	const admin = "Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt"
	fs := ExplainString("docker login regseven.azurecr.io -u " + admin + " -p regseven\nError response from daemon: Get \"https://regseven.azurecr.io/v2/\": unauthorized: Application not registered with AAD.")
	if len(fs) != 1 || !strings.Contains(fs[0].Line, "https://regseven.azurecr.io/v2/") || strings.Contains(fmt.Sprint(fs), admin) {
		t.Errorf("findings = %+v", fs)
	}
}

// TestSwappedUsernameMasked: a login given a service principal's
// application ID as its password: its username is the client secret,
// masked in the evidence as -p's value is, whatever the login server's
// case or form.
func TestSwappedUsernameMasked(t *testing.T) {
	for _, server := range []string{"pullonly.azurecr.io", "Pullonly.azurecr.io", "pullonly.azurecr.io:443", "pullonly.azurcr.io"} {
		fs := ExplainString("+ docker login " + server + " -u sEcReTx4word -p 5b1d6f0e-7c3a-4e8b-9d2f-1a6c4e8b0f37\nError response from daemon: Get \"https://" + server + "/v2/\": unauthorized: Application not registered with AAD.")
		if len(fs) == 0 || strings.Contains(fmt.Sprintf("%+v", fs), "sEcReTx4word") {
			t.Errorf("%s: findings = %+v", server, fs)
		}
	}
}
