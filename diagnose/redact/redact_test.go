package redact

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The shapes a secret must not survive in are listed in explain's tests,
// which read them through Explain; these are what is particular to Output
// and to keeping text readable.

func TestOutput(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Secret fields go, whatever the case, nested too; the rest stays.
		{`{"ServerURL":"r.azurecr.io","Username":"u","Secret":"x y"}`, `{"ServerURL":"r.azurecr.io","Username":"u"}`},
		{`err: {"a":{"password":"p","b":[{"IdentityToken":"t","n":1.50}]}} exit 1`, `err: {"a":{"b":[{"n":1.50}]}} exit 1`},
		{`{"auths":{"r.azurecr.io":{"auth":"dTpw"}},"credsStore":"pass"}`, `{"auths":{"r.azurecr.io":{}},"credsStore":"pass"}`},
		// An object without a secret is left as written.
		{`{ "b": 1,  "a": "<html>" }`, `{ "b": 1,  "a": "<html>" }`},
		// A field that repeats the secret goes too, and so does the secret
		// where the rest of the text repeats it.
		{`{"ServerURL":"r.azurecr.io","Username":"same-s3cr3t","Secret":"same-s3cr3t"}`, `{"ServerURL":"r.azurecr.io","Username":"<redacted>"}`},
		{`{"Username":"abc","Secret":"abc"}`, `{"Username":"<redacted>"}`},
		{"{\"Username\":\"u\",\"Secret\":\"s3cr3t-15\"}\nsecond line s3cr3t-15", "{\"Username\":\"u\"}\nsecond line <redacted>"},
		// Not JSON: Secrets alone.
		{`{{ broken "password": "p q" }`, `{{ broken "password": "<redacted>" }`},
		{"no braces, pw=abc", "no braces, pw=<redacted>"},
		{"", ""},
	} {
		if got := Output(tc.in); got != tc.want {
			t.Errorf("Output(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
	// Past maxDecodes failed objects the rest is left to Secrets, which
	// still finds the field.
	in := strings.Repeat("{x ", 100) + `{"Secret":"s3cr3t"}`
	if got := Output(in); strings.Contains(got, "s3cr3t") || !strings.HasPrefix(got, "{x {x") {
		t.Errorf("Output after many broken objects = %q", got[len(got)-40:])
	}
}

// TestSecretsProse: a key's value in prose and user:password flags go,
// and the words prose puts after those keys stay.
// sig is an RS256 signature: 342 characters of base64url.
var sig = strings.Repeat("EW0k6LiUoZWm_vi8fdJTvgMrFWXwwtjBG1sw9UIZC5aqpj9Bmah-Hg4BYBoc7wSnpYnoMfjUKK9yo5Xs", 4) + "qZZhwPEZyC"

func TestSecretsProse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"-pHUNTER2SECRET", "-p<redacted>"},
		// A shell's trace of a quoted password that holds a quote.
		{`+ docker login -u admin -p 'p'\''w0rdAbc9'`, "+ docker login -u admin -p '<redacted>'"},
		{`+ docker login --password 'p'\''w0rdAbc9' r.azurecr.io`, "+ docker login --password '<redacted>' r.azurecr.io"},
		{"credential=Qw7rT9zP4vLm", "credential=<redacted>"},
		{`$s = ConvertTo-SecureString "Qw7rT9zP4vLm" -AsPlainText -Force`, `$s = ConvertTo-SecureString "<redacted>" -AsPlainText -Force`},
		{"GH_TOKEN ghp_0123456789abcdefghijABCDEFGHIJ012345 set", "GH_TOKEN <redacted> set"},
		{"using ghp_0123456789abcdefghijABCDEFGHIJ012345", "using <redacted>"},
		{"error getting credentials - err: exit status 1", "error getting credentials - err: exit status 1"},
		{"Error saving credentials: mkdir /root/.docker: read-only file system", "Error saving credentials: mkdir /root/.docker: read-only file system"},
		{"docker run -P dockeronwindows/web:2e-v2", "docker run -P dockeronwindows/web:2e-v2"},
		{"curl -u admin:HUNTER2SECRET https://r", "curl -u admin:<redacted> https://r"},
		{"curl -uadmin:HUNTER2SECRET", "curl -uadmin:<redacted>"},
		{"skopeo login --creds admin:HUNTER2SECRET r", "skopeo login --creds admin:<redacted> r"},
		{"skopeo copy --dest-creds=admin:HUNTER2SECRET", "skopeo copy --dest-creds=admin:<redacted>"},
		{"--docker-password HUNTER2SECRET", "--docker-password <redacted>"},
		{"password HUNTER2SECRET", "password <redacted>"},
		{"token HUNTER2SECRET", "token <redacted>"},
		{"passphrase Tr0ub4dor", "passphrase <redacted>"},
		{"the secret is hunter2, sorry", "the secret is <redacted>, sorry"},
		{"token: MixedCaseValue", "token: <redacted>"},
		{"x-api-key: abc123def", "x-api-key: <redacted>"},
		{"identitytoken ABCDEFGH", "identitytoken <redacted>"},
		{"password 123456", "password <redacted>"},
		{"password correcthorsebatterystaple", "password <redacted>"},
		// Secrets a log holds in other ways: a storage key and a SAS
		// signature, a secret echoed or fed to a login, a masked value.
		{"AccountKey=StorKey13abc+/== sig=SasSig14abcdef%2Bxyz", "AccountKey=<redacted> sig=<redacted>"},
		{"+ aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1", "+ aws configure set aws_secret_access_key <redacted>"},
		{`Failed to pull image "docker.io/alice:Sup3rS3cretPassw0rd@harbor.example.net/app:1"`, `Failed to pull image "docker.io/alice:<redacted>@harbor.example.net/app:1"`},
		{"SDK_CONTAINER_REGISTRY_PWORD=Hunter2SecretXyz dotnet publish", "SDK_CONTAINER_REGISTRY_PWORD=<redacted> dotnet publish"},
		{"image@sha256:0123abcd and app/name:tag@sha256:0123abcd", "image@sha256:0123abcd and app/name:tag@sha256:0123abcd"},
		{"aws configure set default.aws_session_token IQoJb3JpZ2luX2VjEXAMPLE", "aws configure set default.aws_session_token <redacted>"},
		{"https://prod.s3.amazonaws.com/layer?X-Amz-Credential=AKIAX%2F2024&X-Amz-Signature=0123abcdef0123abcdef&X-Amz-Date=1", "https://prod.s3.amazonaws.com/layer?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&X-Amz-Date=1"},
		{"https://d2gl.cloudfront.net/layers/sha256:abc?Expires=1700000000&Signature=abcDEF123ghi~JKL456&Key-Pair-Id=APKAX", "https://d2gl.cloudfront.net/layers/sha256:abc?Expires=1700000000&Signature=<redacted>&Key-Pair-Id=APKAX"},
		{`echo -n "PipeSecret18" | docker login r.azurecr.io -u r --password-stdin`, `echo -n "<redacted>" | docker login r.azurecr.io -u r --password-stdin`},
		{`docker login r.azurecr.io -u r --password-stdin <<< "HereSecret25"`, `docker login r.azurecr.io -u r --password-stdin <<< "<redacted>"`},
		{"::add-mask::MaskSecret24", "::add-mask::<redacted>"},
		{"::add-mask:: Mask Secret 24", "::add-mask:: <redacted>"},
		{`printf '%s\n' S3cretA5xyz | docker login --password-stdin -u r r.azurecr.io`, `printf '%s\n' <redacted> | docker login --password-stdin -u r r.azurecr.io`},
		{`printf -- "S3cretA5xyz" | docker login --password-stdin`, `printf -- "<redacted>" | docker login --password-stdin`},
		{`echo S3cretA5xyz | tee /dev/null | docker login --password-stdin`, `echo <redacted> | tee /dev/null | docker login --password-stdin`},
		{`PS> 'S3cretA5xyz' | docker login r.azurecr.io -u r --password-stdin`, `PS> '<redacted>' | docker login r.azurecr.io -u r --password-stdin`},
		{`Write-Output "S3cretA5xyz" | docker login --password-stdin`, `Write-Output "<redacted>" | docker login --password-stdin`},
		{`docker login --password-stdin <<< $'S3cretA5xyz'`, `docker login --password-stdin <<< $'<redacted>'`},
		{`docker login <<< "S3cretA5xyz" --password-stdin -u r`, `docker login <<< "<redacted>" --password-stdin -u r`},
		{"Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=Abc123+/=", "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=<redacted>"},
		{`echo "$ACR_PASSWORD" | docker login r.azurecr.io -u r --password-stdin`, `echo "$ACR_PASSWORD" | docker login r.azurecr.io -u r --password-stdin`},
		{"reading password: inappropriate ioctl for device", "reading password: inappropriate ioctl for device"},
		// Words, statuses, codes, URLs and hosts after a key stay.
		{"password is wrong", "password is wrong"},
		{"password was incorrect for admin", "password was incorrect for admin"},
		{"token expired", "token expired"},
		{"Token Expired", "Token Expired"},
		{"PASSWORD REQUIRED", "PASSWORD REQUIRED"},
		{"password for admin@example.com", "password for admin@example.com"},
		{"failed to fetch token: 401 Unauthorized", "failed to fetch token: 401 Unauthorized"},
		{"refresh token: AADSTS70043: expired", "refresh token: AADSTS70043: expired"},
		{"exchange of the refresh token: invalid_grant", "exchange of the refresh token: invalid_grant"},
		{"the client secret value, not the client secret ID, for", "the client secret value, not the client secret ID, for"},
		{"token https://r.azurecr.io/oauth2/token", "token https://r.azurecr.io/oauth2/token"},
		{"token for myreg.azurecr.io", "token for myreg.azurecr.io"},
		{"docker login --password-stdin", "docker login --password-stdin"},
		{"docker run -u 1000:1000 -u admin", "docker run -u 1000:1000 -u admin"},
		// A token's signature alone, as a wrapped log line leaves it; long
		// words of one case, hex digests and paths stay.
		{"denied: " + sig, "denied: <redacted>"},
		{"required " + sig[:70], "required <redacted>"},
		{sig[76:152], "<redacted>"},
		{"sha256:" + strings.Repeat("0123456789abcdef", 4), "sha256:" + strings.Repeat("0123456789abcdef", 4)},
		{strings.Repeat("abcdefghij", 10), strings.Repeat("abcdefghij", 10)},
		{"/var/lib/docker/overlay2/" + strings.Repeat("a1b2c3d4e5", 9) + "/diff", "/var/lib/docker/overlay2/" + strings.Repeat("a1b2c3d4e5", 9) + "/diff"},
	} {
		if got := Secrets(tc.in); got != tc.want {
			t.Errorf("Secrets(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestSecretKey(t *testing.T) {
	for _, k := range []string{"Secret", "Password", "password", "IdentityToken", "identitytoken", "RegistryToken", "auth", "client_secret", "access_token", "refresh_token", "pwd", "api-key", "Authorization"} {
		if !SecretKey(k) {
			t.Errorf("SecretKey(%q) = false", k)
		}
	}
	for _, k := range []string{"ServerURL", "Username", "auths", "credsStore", "token_type", "expires_in", "tokenType", "scope"} {
		if SecretKey(k) {
			t.Errorf("SecretKey(%q) = true", k)
		}
	}
}

// TestSecretsLinear: text that defeats the look-ahead of one value into
// the next key (4 KiB of "pw=pw=…") ends the look-ahead on a budget, and
// a secret after it is still found.
func TestSecretsLinear(t *testing.T) {
	for _, unit := range []string{"pw=", "pw= ", "-p ", `"pw": "`, "https://a:b@", "Authorization: ", "eyJabcd."} {
		s := strings.Repeat(unit, (4<<10)/len(unit)) + "\npassword=s3cr3t"
		if got := Secrets(s); strings.Contains(got, "s3cr3t") {
			t.Errorf("%q…: the secret survives", unit)
		}
	}
	if got := Secrets("pw= password = s3cr3t"); got != "pw= <redacted> = <redacted>" {
		t.Errorf("a value that is the next key: %q", got)
	}
}

// FuzzSkip holds each rule's shortcut to its pattern: a text the rule
// skips is one its pattern does not match.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{
		"docker login -u admin -p hunter2 myreg.azurecr.io", `{"password": "x"}`, "PASSWORD=abc", "Authorization: Basic YWJj",
		"echo $PW | docker login --Password-Stdin", "::add-mask::s3cret", "https://u:p@host/x", "eyJhbGciOi.eyJzdWIi.sig",
		"--client-secret=abc", "api-key: 123", "bearer abcdefghijklmnop", strings.Repeat("aB3", 25), "paſsword: hunter2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, ascii := strings.ToLower(s), isASCII(s)
		for i, r := range rules() {
			if r.skip(s, lo, ascii) && r.re.MatchString(s) {
				t.Errorf("rule %d skips %q, which its pattern matches", i, s)
			}
		}
	})
}

// TestSecretsForms: a secret in the forms CI systems mask and code and
// config write, whatever the case or escaping: none is left in the clear.
func TestSecretsForms(t *testing.T) {
	const secret = "Qz8vKp2mXw7RtY4n"
	for _, in := range []string{
		// masking commands: GitHub Actions, Azure Pipelines
		"::ADD-MASK::" + secret, "::Add-Mask::" + secret, "##[add-mask]" + secret, "##vso[task.setsecret]" + secret,
		"##vso[task.setvariable variable=ACR_PW;isSecret=true;]" + secret,
		// separators of code and config
		`password => "` + secret + `"`, `password := "` + secret + `"`, `password=='` + secret + `'`, "password -> " + secret,
		// lists, and JSON inside a JSON string
		"map[password:[" + secret + "]]", `{"username":"admin","password":["` + secret + `"]}`, "password=[" + secret + "]", "PASSWORD:[" + secret + "]",
		`{\"password\": \"` + secret + `\"}`, `https:\/\/admin:` + secret + `@myreg.azurecr.io`,
		// a URL's user-info with no scheme
		"admin:" + secret + "@myreg.azurecr.io",
		// fed to --password-stdin however it is printed
		"printf %s " + secret + " | docker login --password-stdin", "echo " + secret + " > pw.txt; cat pw.txt | docker login --password-stdin",
		"docker login --password-stdin < <(echo " + secret + ")",
		// escaped blanks, ANSI-C quotes, a no-break space
		`-p correct\ horse\ ` + secret, "-p $'correct\\t" + secret + "'", "--password\u00a0" + secret,
		// regctl's --pass, lists whole, plural keys, az acr credential show
		"regctl registry login -u myreg --pass " + secret + " myreg.azurecr.io",
		"password=[x1, " + secret + "]", `passwords=["x1","` + secret + `"]`,
		`{"passwords": [{"name": "password", "value": "x1"}, {"name": "password2", "value": "` + secret + `"}], "username": "myreg"}`,
		// YAML's auth, JSON escaped twice, AWS keys, pass= and PAT=, headers
		"auth: bXlyZWc6UXo4dktwMm1Ydzd", `{"message": "{\\\"password\\\": \\\"` + secret + `\\\"}"}`,
		"AWS_SECRET_ACCESS_KEY=" + secret, "pass=" + secret, "PAT=" + secret,
		"Cookie: session=" + secret, "Ocp-Apim-Subscription-Key: " + secret,
	} {
		if out := Secrets(in); strings.Contains(out, secret) {
			t.Errorf("%q leaks: %q", in, out)
		}
	}
}

// TestSecretsKeepEvidence: what names something rather than hides it
// stays: the registry's error code after "username/password:", AADSTS
// codes, digests, URLs and hosts after a key, the null GUID of token
// logins, none and nil, variables and CI masks, a URL's host.
func TestSecretsKeepEvidence(t *testing.T) {
	for _, in := range []string{
		`Error: logging into "myreg.azurecr.io": unable to retrieve auth token: invalid username/password: unauthorized: authentication required`,
		"refresh_token: AADSTS70008: The refresh token has expired",
		"Token: sha256:" + strings.Repeat("ab", 32),
		"auth=https://myreg.azurecr.io/oauth2/token", "token=myreg.azurecr.io", `"auth": "myreg.azurecr.io"`,
		"using token 00000000-0000-0000-0000-000000000000", "identitytoken: (none)", `"identitytoken": "<nil>"`,
		"-p ***", "-p ${{ secrets.ACR_PASSWORD }}",
		"echo $PASSWORD | docker login -u x --password-stdin myreg.azurecr.io",
		// gpg's words, inside the quotes of Docker's helper client.
		"error getting credentials - err: exit status 1, out: `exit status 2: gpg: decryption failed: No secret key`",
	} {
		if out := Secrets(in); out != in {
			t.Errorf("%q\n  became %q", in, out)
		}
	}
	if out := Secrets("git clone https://x-access-token:S3cr@github.com/o/r"); out != "git clone https://x-access-token:<redacted>@github.com/o/r" {
		t.Errorf("a URL's password: %q", out)
	}
}

// TestMasked: the values a CI log is told to mask, whatever the command's
// case; not a variable, not a value under three characters.
// BenchmarkMasked reads a 4 MiB log of distinct masks, which was
// quadratic in their number (131,000 masks took 43 s).
func BenchmarkMasked(b *testing.B) {
	many := make([]string, 131000)
	for i := range many {
		many[i] = fmt.Sprintf("::add-mask::secretvalue%07d", i)
	}
	for b.Loop() {
		Masked(many)
	}
}

func TestMasked(t *testing.T) {

	lines := []string{
		"::add-mask::hunter2", "##[ADD-MASK]Summer2026", "##vso[task.setsecret]pa ss word",
		"##vso[task.setvariable variable=ACR_PW;issecret=true]MyCompanyPass", "::add-mask::$TOKEN", "::add-mask::ab",
		"an ordinary line", "::add-mask::hunter2", `+ echo "::add-mask::Zq7Tail"`, `{"msg":"##vso[task.setsecret]Hq9Sec"}`,
	}
	want := []string{"hunter2", "Summer2026", "pa ss word", "MyCompanyPass", `Zq7Tail"`, "Zq7Tail", `Hq9Sec"}`, "Hq9Sec"}
	if got := Masked(lines); !slices.Equal(got, want) {
		t.Errorf("Masked = %q, want %q", got, want)
	}
}

// TestValues: the secrets a text gives where nothing is ambiguous, as
// given and as read, to be masked wherever it shows them again, words
// too; not what a short flag gives off a login's line, nor short values.
func TestValues(t *testing.T) {
	got := Values([]string{
		"+ docker login -u admin -p Zq8fRtPw3xYvB r.azurecr.io",
		"password Qw7rT9zP4vLm used, got Qw7rT9zP4vLm rejected",
		`+ docker login --password 'Ab1'\''cdefg' r.azurecr.io`,
		"docker login -p correcthorsebattery r.azurecr.io",
		`{"password":"Xy1\u0021pqrst"}`,
		"docker run -P dockeronwindows/ch03-nerd-dinner-web:2e-v2",
		"docker compose -p webshop2 pull",
		"mkdir -p /home/runner/.docker2",
		"pw=abc",
		"password=registry",
	})
	want := []string{"Zq8fRtPw3xYvB", "Qw7rT9zP4vLm", `Ab1'\''cdefg`, "Ab1'cdefg", "correcthorsebattery", `Xy1\u0021pqrst`, "Xy1!pqrst", "Xy1u0021pqrst", "registry"}
	if !slices.Equal(got, want) {
		t.Errorf("Values =\n%q\nwant\n%q", got, want)
	}
}

// TestValuesEnd: a secret read with what follows it (an escaped line
// break, the backtick of inline code) is listed as it ends too, and
// Basic's base64 gives its password, so that a repeat of the bare secret
// is masked.
func TestValuesEnd(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"msg":"docker login -u admin -p Hunt3rTwo\nError response from daemon"}`, "Hunt3rTwo"},
		{`{"msg":"docker login -u admin --password=Hunt3rTwo\r\nLogin failed"}`, "Hunt3rTwo"},
		{"I ran `docker login myreg.azurecr.io -u admin -p Hunt3rTwo` and got", "Hunt3rTwo"},
		{"Authorization: Basic YWRtaW46SHVudDNyVHdv", "Hunt3rTwo"},
		{`args: ["login","-u","admin","-p","Hunt3rTwo"]`, "Hunt3rTwo"},
		{`["docker","login","-u","admin","-p","Pa\"ss w0rd!x","myreg.azurecr.io"]`, `Pa"ss w0rd!x`},
		{`cmd=['docker', 'login', '-u', 'admin', '-p', "it's-s3cret!", 'myreg.azurecr.io']`, "it's-s3cret!"},
		{`exec: [docker login -u admin -p Pa"ssw0rd!x myreg.azurecr.io]`, `Pa"ssw0rd!x`},
		{"Authorization: Basic YWRtaW46U3VwM3JTM2NyZXQ5eA", "Sup3rS3cret9x"},
		{"Authorization: Basic OlN1cDNyUzNjcmV0OQ==", "Sup3rS3cret9"},
		{`{"auths":{"myreg.azurecr.io":{"auth":"YWRtaW46U3VwM3JTM2NyZXQ5"}}}`, "Sup3rS3cret9"},
		{"docker login -u admin -p 'p@ss/w0rd!x' myreg.azurecr.io", "p%40ss%2Fw0rd%21x"},
		{"docker login -u admin -p $'Sup3rS3cret9' myreg.azurecr.io", "Sup3rS3cret9"},
		// A YAML list's flag, its value the next item (Kubernetes args).
		{"  - -p\n  - Sup3rS3cret9", "Sup3rS3cret9"},
		{`  - "--password"` + "\n" + `  - "pa ss w0rd"`, "pa ss w0rd"},
	} {
		if got := Values(strings.Split(tc.line, "\n")); !slices.Contains(got, tc.want) {
			t.Errorf("Values(%q) = %q, want %q among them", tc.line, got, tc.want)
		}
	}
}

// TestValuesPastNoise: a password given after half a megabyte of build
// output that holds "-p" and "@" on every line, or at the end of a line
// longer than a page, is still listed: its repeat must be masked.
func TestValuesPastNoise(t *testing.T) {
	var noise []string
	for i := range 8000 {
		noise = append(noise, fmt.Sprintf("gcc -pthread -fPIC -O2 -c src/module_%05d.c -o build/module_%05d.o @deps.txt", i, i))
	}
	long := "+ export PATH=" + strings.Repeat("/opt/tool/bin:", 400) + " && docker login -u admin -p S3cretLong77 myreg.azurecr.io"
	for name, lines := range map[string][]string{
		"after noise": append(slices.Clone(noise), "+ docker login -u admin -p Tr0ub4dor-and-3 myreg.azurecr.io"),
		"long line":   {long},
	} {
		got := Values(lines)
		if !slices.Contains(got, "Tr0ub4dor-and-3") && !slices.Contains(got, "S3cretLong77") {
			t.Errorf("%s: Values = %q, want the login's password", name, got)
		}
	}
}

// TestSecretUsername: a username is a secret when it is the secret (blanks
// aside) or a token that names itself; a plain name is not.
func TestSecretUsername(t *testing.T) {
	const nullGUID = "00000000-0000-0000-0000-000000000000"
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0." + sig
	for _, tc := range []struct {
		user, secret string
		want         bool
	}{
		{"s3cr3tPassword9", "s3cr3tPassword9", true},
		{" s3cr3tPassword9", "s3cr3tPassword9 ", true},
		{"s3cr3tPassword9\u200b", "s3cr3tPassword9", true},
		{"x:s3cr3tPassword9", "s3cr3tPassword9", true},
		{"admin", "min", false}, // too short a secret to tell
		{"dop_v1_" + strings.Repeat("0a", 32), "other", true},
		{"ghp_" + strings.Repeat("a1", 18), "other", true},
		{"myreg", "s3cr3tPassword9", false},
		// A JWT as the username, alone or inside it ("Bearer …").
		{jwt, nullGUID, true},
		{"Bearer " + jwt, nullGUID, true},
		{`"` + jwt + `"`, "", true},
		{"eyJ-not-a-token", "", false},
		{"", "", false},
		{"  ", "", false},
		// A generated password given with -u: ACR's admin, Azure AD's client secret.
		{"Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt", "myreg", true},
		{"wJ88Q~5tFhcV3Sdf.bGz2Kc3lQfC7Vd8zQxT1bbL", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", true},
	} {
		if got := SecretUsername(tc.user, tc.secret); got != tc.want {
			t.Errorf("SecretUsername(%q, %q) = %v, want %v", tc.user, tc.secret, got, tc.want)
		}
	}
}

// TestGenerated: secrets as services generate them, and names people
// choose, long ones too.
func TestGenerated(t *testing.T) {
	for s, want := range map[string]bool{
		"Ee8F7nTDN0pG3yXmfd1vC+Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt": true, // ACR admin password
		"wJ88Q~5tFhcV3Sdf.bGz2Kc3lQfC7Vd8zQxT1bbL":             true, // Azure AD client secret
		"Qm9Zx3KpL8vT2nR7wY4sD6fH1jB5cG0aE9uI3oP=":             true,
		"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b":                 false, // a GUID: no capitals
		"JohnSmithAdministrator2024ContosoCorp":                false, // a long name
		"svc-build-agent-for-the-release-pipeline-01":          false,
		"gitlab+deploy-token-1234567":                          false,
		"alice.example@contoso.onmicrosoft.com":                false,
		"Tvo/hBKqFYY/kv5ZJr3J1TWDtkwtDDb+xHKas1VOqg+ACRD6YYZY": true, // few digits, as a quarter of them have
		"PtY8Q~gjmUh.Bel31iEl2hpChYgCfrL1spNxnyVm":             true,
		"AzureDevOpsServiceConnectionPrincipal":                false,
		"MyCompanyRegistryServiceAccountUser01":                false,
		"Ee8F7nTDN0pG3yXm":                                     false, // too short to tell
		"Ee8F7nTDN0pG3yXmfd1vC Y8Bt5hWxjLk4aQ2sR9uQ+ACRC2bPzt": false, // a blank: words
	} {
		if got := Generated(s); got != want {
			t.Errorf("Generated(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestFragments: the secret and any piece of it long enough go; the text
// around them, and pieces too short to tell, stay.
func TestFragments(t *testing.T) {
	const secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbGQifQ.rkm-PQ53oT08aZq9Lx2Vw7Yb4Nc6Md1Ke3Jf5Hg0Ip8"
	for _, tc := range []struct{ in, want string }{
		{"ERROR: " + secret, "ERROR: " + Mark},
		{"sig " + secret[55:80] + " end", "sig " + Mark + " end"},
		{"cut " + secret[:30] + "\n" + secret[30:], "cut " + Mark},
		{"two " + secret[70:82] + " and " + secret[50:62], "two " + Mark + " and " + Mark},
		{"short " + secret[60:71] + " stays", "short " + secret[60:71] + " stays"},
		{"nothing of it here", "nothing of it here"},
		// Cut by what a reader does not see, or sees past.
		{"zw " + secret[20:31] + "\u200b" + secret[31:42] + " end", "zw " + Mark + " end"},
		{"tab " + secret[20:31] + "\t" + secret[31:42] + " end", "tab " + Mark + " end"},
		{"ansi " + secret[20:31] + "\x1b[0m" + secret[31:42] + " end", "ansi " + Mark + " end"},
	} {
		if got := Fragments(tc.in, secret, 12); got != tc.want {
			t.Errorf("Fragments(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzFragments: whatever the text and the secret, no run of min bytes of
// the secret is left in what Fragments returns, cut by other characters
// or not; a secret that holds Mark is left out.
func FuzzFragments(f *testing.F) {
	f.Add("ERROR: sig=abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz", 12)
	f.Add("aaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaa", 12)
	f.Fuzz(func(t *testing.T, s, secret string, min int) {
		if min < 4 || min > 64 || len(s) > 4096 || len(secret) > 4096 || strings.Contains(secret, Mark) {
			return
		}
		out := Fragments(s, secret, min)
		for _, rest := range strings.Split(out, Mark) {
			// What is left between the marks, with what cuts it dropped.
			sk, _ := skeleton(rest, secret)
			for i := 0; i+min <= len(sk); i++ {
				if strings.Contains(secret, string(sk[i:i+min])) {
					t.Fatalf("Fragments(%q, %q, %d) = %q keeps %q", s, secret, min, out, sk[i:i+min])
				}
			}
		}
	})
}

// BenchmarkFragments: a megabyte of a failed program's output that is the
// stored token again and again, the most Fragments has to follow.
func BenchmarkFragments(b *testing.B) {
	secret := "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("eyJzdWIiOiJvbGQifQabcXYZ019", 60) + ".rkm-PQ53oT08aZq9Lx2Vw7Yb4Nc6Md1Ke3Jf5Hg0Ip8"
	msg := strings.Repeat(secret+" ", (1<<20)/len(secret))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Fragments(msg, secret, 12)
	}
}
