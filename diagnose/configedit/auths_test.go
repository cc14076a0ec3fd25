package configedit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMoveAuth(t *testing.T) {
	doc, err := Parse("config.json", []byte(`{"auths":{"MyReg.azurecr.io":{"auth":"eDp5"},"other.io":{}},"credsStore":"pass"}`))
	if err != nil {
		t.Fatal(err)
	}
	moved, err := MoveAuth(doc, "MyReg.azurecr.io", "myreg.azurecr.io")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := moved.Get("auths", "myreg.azurecr.io"); compact(v) != `{"auth":"eDp5"}` {
		t.Errorf("moved value %s", v)
	}
	if _, ok := moved.Get("auths", "MyReg.azurecr.io"); ok {
		t.Error("the old key stayed")
	}
	if _, ok := doc.Get("auths", "myreg.azurecr.io"); ok {
		t.Error("MoveAuth changed its argument")
	}
	if _, err := MoveAuth(doc, "MyReg.azurecr.io", "other.io"); err == nil {
		t.Error("moved over an entry")
	}
	if _, err := MoveAuth(doc, "none.io", "x.io"); err == nil {
		t.Error("moved an entry that is not there")
	}
}

// TestWriteAuths: only the auths entries named change, and only over the
// file as read.
func TestWriteAuths(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "config.json")
	write := func(s string) *File {
		t.Helper()
		if err := os.WriteFile(name, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Read(name)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	const orig = `{"auths":{"A.io":{"auth":"eDp5"}},"credsStore":"pass"}`
	ed := &Editor{Dir: t.TempDir()}
	for _, tc := range []struct {
		name string
		edit func(Doc) Doc
		ok   bool
	}{
		{"rename", func(d Doc) Doc { d, _ = MoveAuth(d, "A.io", "a.io"); return d }, true},
		{"a named entry changed", func(d Doc) Doc {
			d, _ = MoveAuth(d, "A.io", "a.io")
			_ = d.SetString("other", "auths", "a.io", "auth")
			return d
		}, true},
		{"another entry", func(d Doc) Doc { _ = d.SetString("x", "auths", "b.io", "auth"); return d }, false},
		{"auths dropped", func(d Doc) Doc { _ = d.Set(nil, "auths"); return d }, false},
		{"setting changed", func(d Doc) Doc {
			d, _ = MoveAuth(d, "A.io", "a.io")
			_ = d.SetString("acrdoctor", "credsStore")
			return d
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := write(orig)
			err := ed.WriteAuths(f, tc.edit(f.Doc.Clone()), "A.io", "a.io")
			if (err == nil) != tc.ok {
				t.Fatalf("err %v; want ok %v", err, tc.ok)
			}
			now, _ := os.ReadFile(name)
			if !tc.ok && string(now) != orig {
				t.Errorf("refused, yet written: %s", now)
			}
			if tc.ok && !strings.Contains(string(now), `"a.io"`) {
				t.Errorf("not written: %s", now)
			}
		})
	}
	t.Run("changed since read", func(t *testing.T) {
		f := write(orig)
		doc, _ := MoveAuth(f.Doc, "A.io", "a.io")
		if err := os.WriteFile(name, []byte(`{"auths":{}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := ed.WriteAuths(f, doc, "A.io", "a.io"); !errors.Is(err, ErrChanged) {
			t.Fatalf("err %v; want ErrChanged", err)
		}
	})
}

// TestRevertEditsRefusesAuths: edits read back from a record that reach
// beyond helper names and settings are refused, and nothing is written.
func TestRevertEditsRefusesAuths(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(name, []byte(`{"credsStore":"pass"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ed := &Editor{Dir: t.TempDir()}
	edits := []Edit{{Path: []string{"credsStore"}, Before: []byte(`"evil"`), After: []byte(`"pass"`)}, {Path: []string{"auths", "evil.io"}, After: []byte(`{}`)}}
	if err := ed.RevertEdits(name, edits, ""); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err %v", err)
	}
	if data, _ := os.ReadFile(name); string(data) != `{"credsStore":"pass"}` {
		t.Errorf("written: %s", data)
	}
}

// TestRevertEditsKeepsImplicit: a change that named Docker's default store
// explicitly keeps it named on revert once logins since left entries in
// config.json, where Docker would stop picking it by itself.
func TestRevertEditsKeepsImplicit(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(name, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ed := &Editor{Dir: t.TempDir()}
	f, _ := Read(name)
	doc := f.Doc.Clone()
	_ = doc.SetString("pass", "credsStore")
	_ = doc.SetString("acrdoctor", "credHelpers", "myreg.azurecr.io")
	edits, err := ed.WriteSettings(f, doc)
	if err != nil {
		t.Fatal(err)
	}
	// A docker login since leaves its placeholder in auths.
	f, _ = Read(name)
	_ = f.Doc.Set([]byte(`{}`), "auths", "other.azurecr.io")
	data, _ := f.Doc.Marshal()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ed.RevertEdits(name, edits, "pass"); err != nil {
		t.Fatal(err)
	}
	f, _ = Read(name)
	if f.Doc.String("credsStore") != "pass" || f.Doc.len("credHelpers") != 0 {
		t.Errorf("after the revert: %s", f.Raw)
	}
}
