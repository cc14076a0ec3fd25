package challenge

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The headers below are as registries send them. The ACR ones come from
// /work/shared/reference/acr-protocol.md §1.1.
const (
	acrPing  = `Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`
	acrPush  = `Bearer realm="https://my-registry.azurecr.io/oauth2/token",service="my-registry.azurecr.io",scope="repository:my/repo:pull,push"`
	acrBasic = `Basic realm="Azure Container Registry"`
)

func bearer(kv ...string) Challenge { return challenge("Bearer", kv...) }

func challenge(scheme string, kv ...string) Challenge {
	c := Challenge{Scheme: scheme}
	for i := 0; i < len(kv); i += 2 {
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		c.Params[kv[i]] = kv[i+1]
	}
	return c
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		want    []Challenge
	}{
		{"ACR /v2/", []string{acrPing}, []Challenge{
			bearer("realm", "https://myreg.azurecr.io/oauth2/token", "service", "myreg.azurecr.io"),
		}},
		{"ACR push scope with comma", []string{acrPush}, []Challenge{
			bearer("realm", "https://my-registry.azurecr.io/oauth2/token", "service", "my-registry.azurecr.io", "scope", "repository:my/repo:pull,push"),
		}},
		{"ACR catalog", []string{`Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io",scope="registry:catalog:*"`}, []Challenge{
			bearer("realm", "https://myreg.azurecr.io/oauth2/token", "service", "myreg.azurecr.io", "scope", "registry:catalog:*"),
		}},
		{"ACR failed Basic", []string{acrBasic}, []Challenge{
			challenge("Basic", "realm", "Azure Container Registry"),
		}},
		{"Go SDK invalid_token", []string{`Bearer realm="{url}",service="{serviceName}",scope="{scope}",error="invalid_token"`}, []Challenge{
			bearer("realm", "{url}", "service", "{serviceName}", "scope", "{scope}", "error", "invalid_token"),
		}},
		{"Docker Hub", []string{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"`}, []Challenge{
			bearer("realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:library/ubuntu:pull"),
		}},
		{"Docker Hub insufficient_scope", []string{`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:alice/app:pull,push",error="insufficient_scope"`}, []Challenge{
			bearer("realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:alice/app:pull,push", "error", "insufficient_scope"),
		}},
		{"GHCR", []string{`Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"`}, []Challenge{
			bearer("realm", "https://ghcr.io/token", "service", "ghcr.io", "scope", "repository:user/image:pull"),
		}},
		{"ECR Basic", []string{`Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"`}, []Challenge{
			challenge("Basic", "realm", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/", "service", "ecr.amazonaws.com"),
		}},
		{"Digest from RFC 7616", []string{`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"`}, []Challenge{
			challenge("Digest", "realm", "http-auth@example.org", "qop", "auth, auth-int", "algorithm", "SHA-256", "nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"),
		}},
		{"multiple challenges", []string{`Basic realm="x", Bearer realm="y",service="z"`}, []Challenge{
			challenge("Basic", "realm", "x"),
			bearer("realm", "y", "service", "z"),
		}},
		{"multiple header lines", []string{acrBasic, acrPing}, []Challenge{
			challenge("Basic", "realm", "Azure Container Registry"),
			bearer("realm", "https://myreg.azurecr.io/oauth2/token", "service", "myreg.azurecr.io"),
		}},
		{"escaped quote", []string{`Bearer realm="a\"b",service="c\\d\e"`}, []Challenge{
			bearer("realm", `a"b`, "service", `c\de`),
		}},
		{"unquoted realm", []string{`Bearer realm=https://myreg.azurecr.io/oauth2/token,service=myreg.azurecr.io`}, []Challenge{
			bearer("realm", "https://myreg.azurecr.io/oauth2/token", "service", "myreg.azurecr.io"),
		}},
		{"token68", []string{`Negotiate abc==`}, []Challenge{
			{Scheme: "Negotiate", Token68: "abc=="},
		}},
		{"token68 then Bearer", []string{`Negotiate YII+/x==, Bearer realm="y"`}, []Challenge{
			{Scheme: "Negotiate", Token68: "YII+/x=="},
			bearer("realm", "y"),
		}},
		{"scheme alone", []string{`Negotiate`, `NTLM, Basic`}, []Challenge{
			{Scheme: "Negotiate"}, {Scheme: "NTLM"}, {Scheme: "Basic"},
		}},
		{"extra whitespace", []string{"  Bearer \t realm = \"x\" ,\tservice=\t\"y\"  ,  "}, []Challenge{
			bearer("realm", "x", "service", "y"),
		}},
		{"upper case", []string{`BEARER REALM="x",Service="Y"`, `basic Realm="z"`}, []Challenge{
			bearer("realm", "x", "service", "Y"),
			challenge("Basic", "realm", "z"),
		}},
		{"other scheme keeps its case", []string{`nEgOtIaTe`}, []Challenge{{Scheme: "nEgOtIaTe"}}},
		{"empty list elements", []string{`,, Basic realm="x",, ,Bearer realm="y",,service="z",`}, []Challenge{
			challenge("Basic", "realm", "x"),
			bearer("realm", "y", "service", "z"),
		}},
		{"comma right after scheme", []string{`Bearer,realm="x"`, `Basic ,realm="y"`}, []Challenge{
			bearer("realm", "x"),
			challenge("Basic", "realm", "y"),
		}},
		{"empty quoted value", []string{`Bearer realm="",service="x"`}, []Challenge{
			bearer("realm", "", "service", "x"),
		}},
		{"obs-text in quoted value", []string{"Basic realm=\"Z\xc3\xbcrich \xff\""}, []Challenge{
			challenge("Basic", "realm", "Z\xc3\xbcrich \xff"),
		}},
		{"empty header", []string{""}, nil},
		{"blank header", []string{" \t "}, nil},
		{"no header", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.headers...)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.headers, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.headers, got, tt.want)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers []string
		want    Error
		partial []Challenge // what Parse still returns
	}{
		{
			name:    "unterminated quote",
			headers: []string{`Bearer realm="https://myreg.azurecr.io/oauth2/token`},
			want:    Error{Offset: 13, Reason: "quoted string has no closing quote"},
		},
		{
			name:    "unterminated after escaped quote",
			headers: []string{`Bearer realm="a\"`},
			want:    Error{Offset: 13, Reason: "quoted string has no closing quote"},
		},
		{
			name:    "unterminated after a backslash",
			headers: []string{`Bearer realm="a\`},
			want:    Error{Offset: 13, Reason: "quoted string has no closing quote"},
		},
		{
			name:    "missing =",
			headers: []string{`Bearer realm "x"`},
			want:    Error{Offset: 13, Reason: `expected "=" after parameter "realm", found "\""`},
		},
		{
			name:    "missing = later",
			headers: []string{`Bearer realm="x",service"y"`},
			want:    Error{Offset: 24, Reason: `expected "=" after parameter "service", found "\""`},
		},
		{
			name:    "missing = after space",
			headers: []string{acrPing + `, scope "repository:x:pull"`},
			want:    Error{Offset: len(acrPing) + 8, Reason: `expected "=" after parameter "scope", found "\""`},
		},
		{
			name:    "missing = in a new challenge",
			headers: []string{`Basic realm="x", Bearer realm "y"`},
			want:    Error{Offset: 30, Reason: `expected "=" after parameter "realm", found "\""`},
			partial: []Challenge{challenge("Basic", "realm", "x")},
		},
		{
			name:    "parameter with no scheme",
			headers: []string{`realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"`},
			want:    Error{Offset: 0, Reason: `parameter "realm" has no auth-scheme before it`},
		},
		{
			name:    "parameter continued on next line",
			headers: []string{`Bearer realm="x"`, `service="y"`},
			want:    Error{Line: 1, Offset: 0, Reason: `parameter "service" has no auth-scheme before it`},
			partial: []Challenge{bearer("realm", "x")},
		},
		{
			name:    "parameter after token68",
			headers: []string{`Negotiate abc==, realm="x"`},
			want:    Error{Offset: 17, Reason: `parameter "realm" follows token68 "abc=="`},
		},
		{
			name:    "missing comma",
			headers: []string{`Bearer realm="x" service="y"`},
			want:    Error{Offset: 17, Reason: `expected "," after parameter "realm", found "s"`},
		},
		{
			// A token68 must end its list element, so this reads as the
			// parameter abc with the unquoted value "=".
			name:    "missing comma after token68",
			headers: []string{`Negotiate abc== Basic`},
			want:    Error{Offset: 16, Reason: `expected "," after parameter "abc", found "B"`},
		},
		{
			name:    "no space after scheme",
			headers: []string{`Bearer"x"`},
			want:    Error{Offset: 6, Reason: `expected " " after auth-scheme "Bearer", found "\""`},
		},
		{
			name:    "token68 with no space after the scheme",
			headers: []string{`Negotiate/YII=`},
			want:    Error{Offset: 9, Reason: `expected " " after auth-scheme "Negotiate", found "/"`},
		},
		{
			name:    "quoted value with no name",
			headers: []string{`Bearer "https://myreg.azurecr.io/oauth2/token"`},
			want:    Error{Offset: 7, Reason: `expected an auth-param or token68, found "\""`},
		},
		{
			name:    "name alone that is no token68",
			headers: []string{`Basic realm!`},
			want:    Error{Offset: 12, Reason: `expected "=" after parameter "realm!", found end of header`},
		},
		{
			name:    "quoted scheme",
			headers: []string{`"Bearer" realm="x"`},
			want:    Error{Offset: 0, Reason: `expected an auth-scheme, found "\""`},
		},
		{
			name:    "no value",
			headers: []string{`Bearer service="x",realm=,scope="y"`},
			want:    Error{Offset: 25, Reason: `parameter "realm" has no value`},
		},
		{
			name:    "no value at end",
			headers: []string{`Bearer service="x",realm= `},
			want:    Error{Offset: 26, Reason: `parameter "realm" has no value`},
		},
		{
			name:    "duplicate parameter",
			headers: []string{`Bearer realm="a",Realm="b"`},
			want:    Error{Offset: 17, Reason: `parameter "Realm" appears twice`},
		},
		{
			name:    "control character in quoted value",
			headers: []string{"Bearer realm=\"a\x07b\""},
			want:    Error{Offset: 15, Reason: "control character 0x07"},
		},
		{
			name:    "control character escaped",
			headers: []string{"Bearer realm=\"a\\\x00\""},
			want:    Error{Offset: 16, Reason: "control character 0x00"},
		},
		{
			name:    "CRLF injection",
			headers: []string{"Basic realm=\"x\"\r\nSet-Cookie: a=b"},
			want:    Error{Offset: 15, Reason: "control character 0x0d"},
		},
		{
			name:    "NUL in scheme",
			headers: []string{"Bea\x00rer"},
			want:    Error{Offset: 3, Reason: "control character 0x00"},
		},
		{
			name:    "DEL in unquoted value",
			headers: []string{"Bearer realm=x\x7f"},
			want:    Error{Offset: 14, Reason: "control character 0x7f"},
		},
		{
			name:    "binary junk",
			headers: []string{"\xff\xfe\x00junk"},
			want:    Error{Offset: 0, Reason: `expected an auth-scheme, found "\xff"`},
		},
		{
			name:    "obs-text in unquoted value",
			headers: []string{"Basic realm=\xc3\xbc"},
			want:    Error{Offset: 12, Reason: `expected a value for parameter "realm", found "\xc3"`},
		},
		{
			name:    "long names are cut",
			headers: []string{"Bearer " + strings.Repeat("x", 100) + ` "y"`},
			want:    Error{Offset: 108, Reason: `expected "=" after parameter "xxxxxxxxxxxxxxxx"…, found "\""`},
		},
		{
			name:    "1 MB of junk",
			headers: []string{strings.Repeat("A", 1<<20)},
			want:    Error{Offset: maxLine, Reason: "header line is 1048576 bytes, longer than 16384"},
		},
		{
			name:    "challenge before the problem is kept",
			headers: []string{`Basic realm="x", Bearer realm="y`},
			want:    Error{Offset: 30, Reason: "quoted string has no closing quote"},
			partial: []Challenge{challenge("Basic", "realm", "x")},
		},
		{
			name:    "interrupted challenge is dropped",
			headers: []string{acrPing + `,scope="repository:x:pull" error="invalid_token"`},
			want:    Error{Offset: len(acrPing) + 27, Reason: `expected "," after parameter "scope", found "e"`},
		},
		{
			name:    "other lines are kept, first error wins",
			headers: []string{`Bearer realm="y`, acrBasic, "\x01"},
			want:    Error{Line: 0, Offset: 13, Reason: "quoted string has no closing quote"},
			partial: []Challenge{challenge("Basic", "realm", "Azure Container Registry")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.headers...)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%.60q) error = %v, want *Error", tt.headers, err)
			}
			if *e != tt.want {
				t.Errorf("Parse(%.60q) error = %+v, want %+v", tt.headers, *e, tt.want)
			}
			if !reflect.DeepEqual(got, tt.partial) {
				t.Errorf("Parse(%.60q) = %#v, want %#v", tt.headers, got, tt.partial)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Parse(acrBasic, `Bearer realm="https://myreg.azurecr.io/oauth2/token`)
	const want = "malformed WWW-Authenticate[1] at byte 13: quoted string has no closing quote"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestParam(t *testing.T) {
	t.Parallel()
	cs, err := Parse(`Bearer Realm="https://myreg.azurecr.io/oauth2/token",SERVICE="myreg.azurecr.io"`)
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	for _, tt := range []struct{ name, want string }{
		{"realm", "https://myreg.azurecr.io/oauth2/token"},
		{"REALM", "https://myreg.azurecr.io/oauth2/token"},
		{"Service", "myreg.azurecr.io"},
		{"scope", ""},
	} {
		if got := c.Param(tt.name); got != tt.want {
			t.Errorf("Param(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := (Challenge{Scheme: "Basic"}).Param("realm"); got != "" {
		t.Errorf("Param on no params = %q", got)
	}
}

func TestBearer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		want   Challenge
		ok     bool
	}{
		{"ACR /v2/", acrPing, bearer("realm", "https://myreg.azurecr.io/oauth2/token", "service", "myreg.azurecr.io"), true},
		{"ACR failed Basic", acrBasic, Challenge{}, false},
		{"Basic first", `Basic realm="x", bearer realm="y", Bearer realm="z"`, bearer("realm", "y"), true},
		{"none", "", Challenge{}, false},
	}
	for _, tt := range tests {
		cs, err := Parse(tt.header)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, ok := Bearer(cs)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Bearer = %#v, %v; want %#v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestLineLength: a line of exactly maxLine bytes is read, one byte more is
// refused whole.
func TestLineLength(t *testing.T) {
	t.Parallel()
	const head = `Basic realm="`
	fits := head + strings.Repeat("x", maxLine-len(head)-1) + `"`
	cs, err := Parse(fits)
	if err != nil || len(cs) != 1 || len(cs[0].Param("realm")) != maxLine-len(head)-1 {
		t.Errorf("Parse(%d-byte line) = %d challenges, %v; want 1, nil", len(fits), len(cs), err)
	}
	tooLong := fits + " "
	want := Error{Offset: maxLine, Reason: "header line is 16385 bytes, longer than 16384"}
	_, err = Parse(tooLong)
	if e := (*Error)(nil); !errors.As(err, &e) || *e != want {
		t.Errorf("Parse(%d-byte line) error = %v, want %+v", len(tooLong), err, want)
	}
}

// TestQuoteLength: a name of maxQuote bytes is quoted whole, a longer one
// is cut to maxQuote bytes.
func TestQuoteLength(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"", `""`},
		{"realm", `"realm"`},
		{strings.Repeat("x", maxQuote), `"xxxxxxxxxxxxxxxx"`},
		{strings.Repeat("x", maxQuote+1), `"xxxxxxxxxxxxxxxx"…`},
		{"a\"b\x00", `"a\"b\x00"`},
	}
	for _, tt := range tests {
		if got := quote(tt.name); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// The character classes of the grammar in the package doc, spelt out.
const (
	alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	digit = "0123456789"
)

// TestCharClasses holds each character class to its rule in RFC 9110 for
// every byte value: an off-by-one at the end of a range would split a
// token or let a control character through.
func TestCharClasses(t *testing.T) {
	t.Parallel()
	in := func(set string) func(byte) bool {
		return func(c byte) bool { return strings.IndexByte(set, c) >= 0 }
	}
	// VCHAR is %x21-7E, the visible ASCII characters; CTL is %x00-1F and
	// %x7F.
	vchar := func(c byte) bool { return c < utf8.RuneSelf && unicode.IsGraphic(rune(c)) && c != ' ' }
	ctl := func(c byte) bool { return c < utf8.RuneSelf && unicode.IsControl(rune(c)) }
	tests := []struct {
		name string
		got  func(byte) bool
		want func(byte) bool
	}{
		{"ALPHA / DIGIT", isAlnum, in(alpha + digit)},
		{"tchar", isTokenChar, in("!#$%&'*+-.^_`|~" + digit + alpha)},
		{"token68 character", isToken68Char, in(alpha + digit + "-._~+/")},
		{"unquoted value character", isValueChar, func(c byte) bool { return vchar(c) && c != ',' && c != '"' }},
		{"CTL but HTAB", isCTL, func(c byte) bool { return ctl(c) && c != '\t' }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for c := range 256 {
				if got, want := tt.got(byte(c)), tt.want(byte(c)); got != want {
					t.Errorf("%s(%q) = %v, want %v", tt.name, byte(c), got, want)
				}
			}
		})
	}
}

// TestCaseFolding holds lower and equalFold to ASCII case folding for every
// pair of bytes: only A-Z fold, so "@" and "`", "[" and "{" stay apart, and
// bytes outside ASCII compare as they are.
func TestCaseFolding(t *testing.T) {
	t.Parallel()
	ascii := func(c byte) bool { return c < utf8.RuneSelf }
	for a := range 256 {
		s := string([]byte{byte(a)})
		folded := s
		if ascii(byte(a)) {
			folded = strings.ToLower(s)
		}
		// Before the first upper-case letter lower only looks; from it on
		// it copies and folds.
		for _, tt := range []struct{ in, want string }{
			{s, folded},
			{s + "X", folded + "x"},
			{"X" + s, "x" + folded},
		} {
			if got := lower(tt.in); got != tt.want {
				t.Errorf("lower(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
		for b := range 256 {
			t2 := string([]byte{byte(b)})
			want := a == b
			if ascii(byte(a)) && ascii(byte(b)) {
				want = strings.EqualFold(s, t2)
			}
			if got := equalFold(s, t2); got != want {
				t.Errorf("equalFold(%q, %q) = %v, want %v", s, t2, got, want)
			}
		}
	}
	// The Kelvin sign folds to "k" in Unicode, not in ASCII.
	if equalFold("\u212a", "k") || lower("\u212a") != "\u212a" {
		t.Error("the Kelvin sign is folded")
	}
	if equalFold("Bearer", "Bear") {
		t.Error(`equalFold("Bearer", "Bear") = true`)
	}
}
