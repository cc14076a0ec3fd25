package acremu

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// kqlNow is the time the KQL tests run their queries at.
var kqlNow = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// kqlEvents are three logins, an hour apart, ending at kqlNow.
func kqlEvents() map[string]kqlTable {
	return map[string]kqlTable{loginTable: loginTableOf([]LoginEvent{
		{TimeGenerated: kqlNow.Add(-2 * time.Hour), LoginServer: "a.azurecr.io", Identity: "alice", ResultType: "401", DurationMs: 12.5, JwtID: "j1"},
		{TimeGenerated: kqlNow.Add(-time.Hour), LoginServer: "b.azurecr.io", Identity: "Bob", ResultType: "200", DurationMs: 3},
		{TimeGenerated: kqlNow, LoginServer: "a.azurecr.io", Identity: "carol", ResultType: "200", DurationMs: 7, JwtID: "it's"},
	})}
}

// TestKQL: the subset's queries, and what it refuses, with the messages
// Log Analytics gives.
func TestKQL(t *testing.T) {
	const T = "ContainerRegistryLoginEvents"
	tests := []struct {
		name, query string
		want        [][]any // the result's rows, for a query that runs
		err         string  // the error message, for one that does not
		semantic    bool
	}{
		{"all", T + " | project Identity", [][]any{{"alice"}, {"Bob"}, {"carol"}}, "", false},
		{"equal", T + ` | where ResultType == "200" | project Identity`, [][]any{{"Bob"}, {"carol"}}, "", false},
		{"not equal", T + ` | where ResultType != "200" | project Identity`, [][]any{{"alice"}}, "", false},
		{"case-insensitive", T + ` | where Identity =~ "BOB" | project Identity`, [][]any{{"Bob"}}, "", false},
		{"case-sensitive", T + ` | where Identity == "bob" | project Identity`, [][]any{}, "", false},
		{"not case-insensitive", T + ` | where Identity !~ "BOB" | project Identity`, [][]any{{"alice"}, {"carol"}}, "", false},
		{"and binds tighter than or", T + ` | where Identity == "alice" or Identity == "carol" and ResultType == "401" | project Identity`, [][]any{{"alice"}}, "", false},
		{"parentheses", T + ` | where (Identity == "alice" or Identity == "carol") and ResultType == "200" | project Identity`, [][]any{{"carol"}}, "", false},
		{"single quotes and escapes", T + ` | where JwtId == 'it\'s' | project Identity`, [][]any{{"carol"}}, "", false},
		{"double-quote escape", T + ` | where JwtId == "it\'s" or Identity == "a\"b" | project Identity`, [][]any{{"carol"}}, "", false},
		{"ago", T + ` | where TimeGenerated > ago(90m) | project Identity`, [][]any{{"Bob"}, {"carol"}}, "", false},
		{"ago, days", T + ` | where TimeGenerated >= ago(1d) | take 1 | project Identity`, [][]any{{"alice"}}, "", false},
		{"between", T + ` | where TimeGenerated between (datetime(2026-11-29T08:00:00Z) .. datetime(2026-11-29T09:00:00Z)) | project Identity`, [][]any{{"alice"}, {"Bob"}}, "", false},
		{"between, other forms", T + ` | where TimeGenerated between (datetime("2026-11-29 08:30") .. now()) | project Identity`, [][]any{{"Bob"}, {"carol"}}, "", false},
		{"datetime compare", T + ` | where TimeGenerated < datetime(2026-11-29) | project Identity`, [][]any{}, "", false},
		{"number", T + ` | where DurationMs > 5 | project Identity`, [][]any{{"alice"}, {"carol"}}, "", false},
		{"order desc by default", T + ` | order by DurationMs | project Identity`, [][]any{{"alice"}, {"carol"}, {"Bob"}}, "", false},
		{"sort asc, two keys", T + ` | sort by LoginServer asc, TimeGenerated desc | project Identity`, [][]any{{"carol"}, {"alice"}, {"Bob"}}, "", false},
		{"limit", T + ` | limit 2 | project Identity`, [][]any{{"alice"}, {"Bob"}}, "", false},
		{"take 0", T + ` | take 0`, [][]any{}, "", false},
		{"comments and lines", T + "\n// failures only\n| where ResultType == \"401\" // trailing\n| project Identity", [][]any{{"alice"}}, "", false},
		{"project then where on it", T + ` | project Identity, ResultType | where ResultType == "401"`, [][]any{{"alice", "401"}}, "", false},

		{"unknown operator", T + " | foo", nil, "Query could not be parsed at 'foo' on line [1,31]", false},
		{"empty", "", nil, "Query could not be parsed at '<EOF>' on line [1,0]", false},
		{"trailing pipe", T + " |", nil, "Query could not be parsed at '<EOF>' on line [1,30]", false},
		{"second line", T + "\n| where Identity = 'x'", nil, "Query could not be parsed at '=' on line [2,17]", false},
		{"keyword case", T + " | Where Identity == 'x'", nil, "Query could not be parsed at 'Where' on line [1,31]", false},
		{"unterminated string", T + ` | where Identity == "abc`, nil, "Query could not be parsed at '\"' on line [1,49]", false},
		{"bad escape", T + ` | where Identity == "a\qb"`, nil, `Query could not be parsed at '\q' on line [1,51]`, false},
		{"missing operand", T + " | where Identity ==", nil, "Query could not be parsed at '<EOF>' on line [1,48]", false},
		{"unbalanced parenthesis", T + ` | where (Identity == "a"`, nil, "Query could not be parsed at '<EOF>' on line [1,53]", false},
		{"contains is outside the subset", T + ` | where Identity contains "a"`, nil, "Query could not be parsed at 'contains' on line [1,46]", false},
		{"bad timespan", T + " | where TimeGenerated > ago(1y)", nil, "Query could not be parsed at '1y' on line [1,57]", false},
		{"bad datetime", T + " | where TimeGenerated > datetime(yesterday)", nil, "Query could not be parsed at 'datetime(yesterday)' on line [1,53]", false},
		{"take a word", T + " | take all", nil, "Query could not be parsed at 'all' on line [1,36]", false},
		{"order without by", T + " | order Identity", nil, "Query could not be parsed at 'Identity' on line [1,37]", false},
		{"stray character", T + " | where Identity == @x", nil, "Query could not be parsed at '@' on line [1,49]", false},
		{"nested too deep", T + " | where " + strings.Repeat("(", 65) + `Identity == "a"` + strings.Repeat(")", 65), nil, "Query could not be parsed at '(' on line [1,101]", false},
		{"huge timespan", T + " | where TimeGenerated > ago(999999999d)", nil, "Query could not be parsed at '999999999d' on line [1,57]", false},
		{"two tables", T + " " + T, nil, "Query could not be parsed at '" + T + "' on line [1,29]", false},

		{"unknown table", "Heartbeat | take 1", nil, "'Heartbeat' operator: Failed to resolve table or column expression named 'Heartbeat'", true},
		{"unknown column", T + " | where Nope == 'x'", nil, "'where' operator: Failed to resolve scalar expression named 'Nope'", true},
		{"projected away", T + " | project Identity | order by ResultType", nil, "'order' operator: Failed to resolve scalar expression named 'ResultType'", true},
		{"string against datetime", T + ` | where TimeGenerated == "x"`, nil, "Cannot compare values of types datetime and string. Try adding explicit casts", true},
		{"ordering strings", T + ` | where Identity > "a"`, nil, "'>' operator: strings cannot be ordered; use == or =~", true},
		{"projected twice", T + ` | project Identity, Identity`, nil, "'project' operator: Column 'Identity' is projected more than once", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseKQL(tt.query)
			var out kqlTable
			if err == nil {
				out, err = q.run(kqlEvents(), kqlNow)
			}
			if tt.err != "" {
				if err == nil || err.message != tt.err || err.semantic != tt.semantic {
					t.Fatalf("error %+v, want %q (semantic %v)", err, tt.err, tt.semantic)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.wire()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows %v, want %v", got, tt.want)
			}
		})
	}
}

// TestKQLWire: datetimes go out as Log Analytics writes them.
func TestKQLWire(t *testing.T) {
	q, err := parseKQL("ContainerRegistryLoginEvents | take 1 | project TimeGenerated, DurationMs, TenantId")
	if err != nil {
		t.Fatal(err)
	}
	out, err := q.run(kqlEvents(), kqlNow)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"columns": out.cols, "rows": out.wire()})
	want := `{"columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"DurationMs","type":"real"},{"name":"TenantId","type":"string"}],"rows":[["2026-11-29T08:00:00.0000000Z",12.5,""]]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

// FuzzKQL: no query makes the parser or the evaluator panic, and a query
// refused says where, or why.
func FuzzKQL(f *testing.F) {
	for _, seed := range []string{
		"ContainerRegistryLoginEvents",
		`ContainerRegistryLoginEvents | where LoginServer == "a.azurecr.io" and (ResultType != "200" or Identity =~ 'X') | project TimeGenerated, Identity | order by TimeGenerated desc | take 10`,
		"ContainerRegistryLoginEvents | where TimeGenerated between (datetime(2026-11-29T08:00:00Z) .. datetime(2026-11-29 09:00)) | sort by DurationMs asc",
		"ContainerRegistryLoginEvents\n// c\n| where TimeGenerated > ago(1.5h) | limit 2",
		`ContainerRegistryLoginEvents | where JwtId == "\"\\\n"`,
	} {
		f.Add(seed)
	}
	tables := kqlEvents()
	f.Fuzz(func(t *testing.T, query string) {
		q, err := parseKQL(query)
		if err == nil {
			var out kqlTable
			if out, err = q.run(tables, kqlNow); err == nil {
				if _, jerr := json.Marshal(out.wire()); jerr != nil {
					t.Fatalf("rows do not marshal: %v", jerr)
				}
				return
			}
		}
		if err.message == "" || (!err.semantic && err.code != "SYN0002") {
			t.Fatalf("error without a message or code: %+v", err)
		}
	})
}
