package configedit

import "testing"

// FuzzParse: whatever config.json holds, Parse never panics, and for an
// object, its edits rebuild it from nothing, undo back to nothing, and it
// survives its own rewrite.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, ``, `{"auths":{"a.azurecr.io":{"auth":"YTpi"}},"credsStore":"pass"}`,
		`{"credHelpers":{"a.azurecr.io":"acrdoctor"},"plugins":{"acrdoctor":{"credential-backend":"pass","hooks":"push"}}}`,
		`{"a":{"b":{"c":{}}},"d":[1,{"e":null}],"f":"\u00e9"}`, `{"a":1,"a":2}`, `{"credHelpers":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("config.json", data)
		if err != nil {
			return
		}
		out, err := doc.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse("config.json", out)
		if err != nil {
			t.Fatalf("its own rewrite does not parse: %v\n%s", err, out)
		}
		if d := Diff(doc, again); len(d) != 0 {
			t.Fatalf("the rewrite changed %v", d)
		}
		built := Doc{}
		edits := Diff(Doc{}, doc)
		for _, e := range edits {
			if err := built.Set(e.After, e.Path...); err != nil {
				t.Fatalf("applying %v: %v", e, err)
			}
		}
		if d := Diff(built, doc); len(d) != 0 {
			t.Fatalf("the edits rebuild something else: %v", d)
		}
		rec := &Record{Config: "config.json", Existed: true, Edits: edits}
		u, err := Revert(rec, &File{Name: "config.json", Exists: true, Doc: doc})
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Conflicts) != 0 || len(u.Result) != 0 {
			t.Fatalf("undoing every edit left %v (conflicts %v)", u.Result, u.Conflicts)
		}
	})
}
