package explain

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"slices"
	"strings"
	"testing"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
)

// checkEntry holds one table entry to the catalogue.
func checkEntry(t *testing.T, table, code string, id cause.ID, weight int) {
	t.Helper()
	if _, ok := cause.Lookup(id); !ok {
		t.Errorf("%s %s points to %q, which is not in the catalogue", table, code, id)
	}
	if weight <= 0 || weight > 100 {
		t.Errorf("%s %s has weight %d", table, code, weight)
	}
}

// TestCodeTablesMapToCatalogue: every entry of every code table points to a
// cause of the catalogue, or, for the registry codes that are not access
// failures, is listed in notAccess; no table lists a code twice.
func TestCodeTablesMapToCatalogue(t *testing.T) {
	for name, table := range map[string][]code{"AADSTS": aadstsCodes, "check-health": checkHealthCodes, "distribution": distributionCodes} {
		seen := map[string]bool{}
		for _, c := range table {
			if seen[c.code] {
				t.Errorf("%s lists %s twice", name, c.code)
			}
			seen[c.code] = true
			if c.what == "" {
				t.Errorf("%s %s says nothing of what it means", name, c.code)
			}
			if c.cause == "" {
				if name != "distribution" || !notAccess[c.code] {
					t.Errorf("%s %s points to no cause and is not in notAccess", name, c.code)
				}
				continue
			}
			if notAccess[c.code] {
				t.Errorf("%s %s is in notAccess yet points to %s", name, c.code, c.cause)
			}
			checkEntry(t, name, c.code, c.cause, c.weight)
		}
	}
	for name, table := range map[string][]sysErr{"winsock": winsockErrors, "errno": errnoErrors} {
		seen := map[string]bool{}
		for _, e := range table {
			if seen[e.name] || e.name != strings.ToLower(e.name) || e.msg != strings.ToLower(e.msg) {
				t.Errorf("%s %s: repeated or not lower case", name, e.name)
			}
			seen[e.name] = true
			checkEntry(t, name, e.name, e.cause, e.weight)
		}
	}
	for _, p := range phrases {
		checkEntry(t, "phrase", p.text, p.cause, p.weight)
	}
	for _, l := range localizedWinsock {
		i := slices.IndexFunc(winsockErrors, func(e sysErr) bool { return e.num == l.num })
		if i < 0 {
			t.Errorf("localized %d (%s) has no entry in winsockErrors", l.num, l.lang)
			continue
		}
		// Read as the English message on the same line is.
		line := "Get \"https://myreg.azurecr.io/v2/\": dial tcp 20.1.2.3:443: connectex: "
		want := ids(ExplainString(line + winsockErrors[i].msg))
		if got := ids(ExplainString(line + l.msg)); len(got) == 0 || !slices.Equal(got, want) {
			t.Errorf("localized %d (%s): causes %v, want %v as in English", l.num, l.lang, got, want)
		}
	}
}

// TestCodeTablesComplete: the tables hold every code their sources list
// that this tool must read, not only those the corpus happens to show.
func TestCodeTablesComplete(t *testing.T) {
	want := map[string][]string{
		// Azure/azure-cli acr/_errors.py and the health error reference.
		"check-health": {
			"DOCKER_COMMAND_ERROR", "DOCKER_DAEMON_ERROR", "DOCKER_VERSION_ERROR", "DOCKER_PULL_ERROR",
			"HELM_COMMAND_ERROR", "HELM_VERSION_ERROR", "NOTARY_COMMAND_ERROR", "NOTARY_VERSION_ERROR",
			"LOGIN_SERVER_ERROR", "CONNECTIVITY_DNS_ERROR", "CONNECTIVITY_FORBIDDEN_ERROR", "CONNECTIVITY_CHALLENGE_ERROR",
			"CONNECTIVITY_AAD_LOGIN_ERROR", "CONNECTIVITY_WWW_AUTHENTICATE_ERROR", "CONNECTIVITY_REFRESH_TOKEN_ERROR",
			"CONNECTIVITY_ACCESS_TOKEN_ERROR", "CONNECTIVITY_SSL_ERROR", "CONNECTIVITY_TOOMANYREQUESTS_ERROR",
			"CMK_ERROR", "UNEXPECTED_ERROR",
		},
		// The distribution spec's error codes, v1.1.0, and the Docker registry's additions.
		"distribution": {
			"BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
			"MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED",
			"DENIED", "UNSUPPORTED", "TOOMANYREQUESTS", "UNAVAILABLE", "UNKNOWN",
		},
		// The Entra codes about sign-in, tokens, apps, secrets, certificates,
		// federated credentials, the clock and Conditional Access.
		"AADSTS": {
			"50126", "50034", "50053", "50055", "50057", "50076", "50079", "50105", "50173", "53000", "53003",
			"65001", "70002", "70008", "70021", "70043", "90002", "90055", "500011", "700016", "700024",
			"700027", "700082", "700211", "700213", "7000215", "7000222", "50012", "50013", "80013",
		},
	}
	have := map[string][]code{"check-health": checkHealthCodes, "distribution": distributionCodes, "AADSTS": aadstsCodes}
	for table, codes := range want {
		for _, c := range codes {
			found := false
			for _, e := range have[table] {
				found = found || e.code == c
			}
			if !found {
				t.Errorf("%s lacks %s", table, c)
			}
		}
	}
	for _, n := range []int{10013, 10050, 10051, 10053, 10054, 10060, 10061, 10064, 10065, 11001, 11002, 11003, 11004} {
		if codes().winsock[n] == nil {
			t.Errorf("winsock lacks %d", n)
		}
	}
	for _, name := range []string{"econnrefused", "etimedout", "enetunreach", "ehostunreach", "econnreset", "enotfound", "eai_again"} {
		found := false
		for _, e := range errnoErrors {
			found = found || e.name == name
		}
		if !found {
			t.Errorf("errno lacks %s", name)
		}
	}
}

// TestEveryCauseIsSpoken: the language names every cause of the catalogue.
// anonymous_pull_blocked has no words of its own: it is how the reasoning
// reads an authentication failure from a registry that allows anonymous
// pull (TestReason holds it to that).
func TestEveryCauseIsSpoken(t *testing.T) {
	said := map[cause.ID]bool{cause.AnonymousPullBlocked: true}
	for _, p := range lang().ph {
		said[p.cause] = true
	}
	for _, c := range aadstsCodes {
		said[c.cause] = true
	}
	for _, id := range cause.IDs() {
		if !said[id] {
			t.Errorf("no table names %s", id)
		}
	}
}

// TestLanguageKeywords: every keyword is lower case, as the matcher lowers
// the text (ASCII letters only), and long enough for it; every phrase is a
// keyword once.
func TestLanguageKeywords(t *testing.T) {
	l := lang()
	for _, k := range l.keywords {
		if len(k) < minKey || k != string(lowerASCII(nil, k)) {
			t.Errorf("keyword %q: too short or not lower case", k)
		}
	}
	seen := map[string]bool{}
	for _, p := range phrases {
		if seen[p.text] {
			t.Errorf("phrase %q twice", p.text)
		}
		seen[p.text] = true
	}
}

// TestTablesNameTheirSources: each table is introduced by a comment that
// names where its codes come from.
func TestTablesNameTheirSources(t *testing.T) {
	fset := gotoken.NewFileSet()
	for file, vars := range map[string][]string{
		"codes.go":   {"aadstsCodes", "checkHealthCodes", "distributionCodes", "winsockErrors", "localizedWinsock", "errnoErrors"},
		"phrases.go": {"phrases"},
	} {
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		docs := map[string]string{}
		groups := map[string]int{}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != gotoken.VAR {
				continue
			}
			for _, s := range g.Specs {
				v := s.(*ast.ValueSpec)
				docs[v.Names[0].Name] = g.Doc.Text()
				for _, cg := range f.Comments {
					if cg.Pos() > v.Pos() && cg.End() < v.End() && strings.Contains(cg.Text(), "https://") {
						groups[v.Names[0].Name]++
					}
				}
			}
		}
		for _, name := range vars {
			if !strings.Contains(docs[name], "https://") && groups[name] < 5 {
				t.Errorf("%s: %s names no source (doc %q, %d sourced groups)", file, name, docs[name], groups[name])
			}
		}
	}
}
