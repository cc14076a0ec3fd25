package shelltest

import (
	"slices"
	"strings"
	"testing"
)

// quote is shell.Quote, which this package cannot import: shell's tests
// import this one.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_:/@%+,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func TestSplit(t *testing.T) {
	tests := []struct {
		in    string
		words []string
		ops   []string
	}{
		{`az acr show -n myreg --query "{a:b, c:d}"`, []string{"az", "acr", "show", "-n", "myreg", "--query", "{a:b, c:d}"}, nil},
		{`echo 'a b'"c d"e\ f | x get >/dev/null`, []string{"echo", "a bc de f", "x", "get", "/dev/null"}, []string{"|", ">"}},
		{`a 'it'\''s' && b; c || d & e`, []string{"a", "it's", "b", "c", "d", "e"}, []string{"&&", ";", "||", "&"}},
		{`x --ip-address <your public IP> -n <registry-name>-pe`, []string{"x", "--ip-address", "<your public IP>", "-n", "<registry-name>-pe"}, nil},
		{`cat </dev/null`, []string{"cat", "/dev/null"}, []string{"<"}},
		{"a\nb", []string{"a", "b"}, []string{"\n"}},
		{`a "$(b "c d" 'e')" # f 'g`, []string{"a", SubMark}, nil},
	}
	for _, tt := range tests {
		toks, err := Split(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		var ops []string
		for _, tok := range toks {
			if tok.Kind == Op {
				ops = append(ops, tok.Raw)
			}
		}
		if !slices.Equal(Words(toks), tt.words) || !slices.Equal(ops, tt.ops) {
			t.Errorf("%q: words %q, ops %q", tt.in, Words(toks), ops)
		}
	}
	toks, _ := Split(`a "$(b "c d" 'e')" # f 'g`)
	if len(toks[1].Subs) != 1 || !slices.Equal(Words(toks[1].Subs[0]), []string{"b", "c d", "e"}) || toks[2].Kind != Comment {
		t.Errorf("substitution: %v", toks)
	}
	for _, in := range []string{`a 'b`, `a "b`, `a $(b`, "a `b", `a \`} {
		if _, err := Split(in); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
	for in, want := range map[string]string{`$x`: "$x", `"${x}"`: "${", "`x`": "`", `a*`: "*", `~/x`: "~", `{a,b}`: "{", `$((1))`: "$(("} {
		toks, err := Split(in)
		if err != nil || len(toks) != 1 || !slices.Contains(toks[0].Expands, want) {
			t.Errorf("%q: %v %v", in, toks, err)
		}
	}
}

// TestCheckLineCatches shows the check fails the unsafe ways of putting a
// value in a command, so that its passing elsewhere means something.
func TestCheckLineCatches(t *testing.T) {
	for _, h := range Hostile {
		safe := "az acr network-rule add -n myreg --ip-address " + quote(h)
		if err := CheckLine(safe, []string{h}, quote); err != nil && !strings.HasPrefix(h, "-") {
			t.Errorf("quoted %q: %v", h, err)
		}
		if err := CheckLine("az acr network-rule add -n myreg --ip-address "+h, []string{h}, quote); err == nil && !strings.ContainsAny(h, "\x00\x1b\u202e\u200b\xff") {
			// A value of plain characters and a control or invisible one
			// splits no word; the validators refuse it all the same.
			if quote(h) != h {
				t.Errorf("unquoted %q passed", h)
			}
		}
		if err := CheckLine(`az acr show --query "x `+h+`"`, []string{h}, quote); err == nil && strings.ContainsAny(h, "$`\"") {
			t.Errorf("double-quoted %q passed", h)
		}
		if err := CheckLine("check the proxy "+h+", or not", []string{h}, quote); err == nil && quote(h) != h {
			t.Errorf("unquoted %q in prose passed", h)
		}
	}
	if err := CheckLine("az login -u "+quote("-evil"), []string{"-evil"}, quote); err == nil {
		t.Error("a value read as an option passed")
	}
	if err := CheckLine("az login -u "+quote("evil x")+"y", []string{"evil x"}, quote); err == nil {
		t.Error("a value run into another word passed")
	}
	if err := CheckLine("docker login x   # then "+quote("evil\nsh"), []string{"evil\nsh"}, quote); err == nil {
		t.Error("a comment cut short passed")
	}
}
