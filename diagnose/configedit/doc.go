// Package configedit changes Docker's config.json for `docker acrdoctor
// configure`, and only in ways that can be taken back:
//
//   - a change is a list of edits (a key path, its value before and after),
//     computed as the difference between the document read and the one
//     planned, so the preview shows exactly what is written, and only keys
//     that name helpers or settings are ever edited: never a credential;
//   - a write holds a lock against other runs, keeps a copy of the file as
//     it was and a record of the edits in the state directory, and replaces
//     config.json atomically only while it is still the file the plan was
//     made from (Docker rewrites it at every login, without a lock);
//   - undo reverts one run's edits key by key, so what was written since
//     (a later docker login) stays, and refuses when a key the run set has
//     changed since, unless forced.
package configedit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/acr-doctor/acr-doctor/diagnose/configjson"
)

// Doc is config.json as a JSON object, each value kept as written.
type Doc map[string]json.RawMessage

// File is config.json as read: its bytes, and the object they hold.
type File struct {
	Name   string
	Exists bool
	Raw    []byte
	Mode   fs.FileMode
	Doc    Doc
}

// Read reads config.json at name for editing. A missing file is an empty
// document. The contents must be a JSON object: Docker reads an empty file
// or `null` as no settings, but rewriting what is not an object would
// replace something this tool does not understand, so those are errors
// too, one line each.
func Read(name string) (*File, error) {
	f := &File{Name: name, Mode: 0o600, Doc: Doc{}}
	raw, err := configjson.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	f.Exists, f.Raw = true, raw
	if fi, err := os.Stat(name); err == nil {
		f.Mode = fi.Mode().Perm()
	}
	if f.Doc, err = Parse(name, raw); err != nil {
		return nil, err
	}
	return f, nil
}

// Parse decodes data as a JSON object; anything else is an error that
// says what the file holds instead, and where a syntax error is.
func Parse(name string, data []byte) (Doc, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s is empty: write {} into it, or remove it, to let acr-doctor edit it", name)
	}
	if trimmed[0] != '{' {
		var v any
		if err := json.Unmarshal(trimmed, &v); err != nil {
			return nil, configjson.JSONError(name, data, err)
		}
		return nil, fmt.Errorf("%s holds %s, not a JSON object of settings", name, describe(v))
	}
	var doc Doc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, configjson.JSONError(name, data, err)
	}
	if err := duplicateKey(name, data); err != nil {
		return nil, err
	}
	return doc, nil
}

// fold is k in one case, as encoding/json, which Docker reads config.json
// with, matches keys to its settings (bytes.EqualFold): each letter as the
// least of the letters Unicode folds it with, so that ſ is s and the
// Kelvin sign is k.
func fold(k string) string {
	return strings.Map(func(r rune) rune {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				return next
			}
			r = next
		}
	}, k)
}

// duplicateKey finds a key written twice in one object. Docker decodes
// both (into a map, the entries of both), a rewrite keeps one: editing
// such a file would drop what the other held. At the top, where keys
// name the settings of Docker's ConfigFile, two that differ only in case
// (credsStore, CredsStore, credſStore) are one setting to Docker, which
// takes the last string and merges the maps: an edit of one of them
// might change nothing Docker reads.
func duplicateKey(name string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys   map[string]string // as compared → as written
		object bool
		key    bool // the next string is a key
		top    bool // config.json's own object: keys compared in any case
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return configjson.JSONError(name, data, err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if k, isKey := tok.(string); isKey && top != nil && top.object && top.key {
			same := k
			if top.top {
				same = fold(k)
			}
			switch first, seen := top.keys[same]; {
			case seen && first == k:
				return configjson.At(name, data, dec.InputOffset(), fmt.Errorf("the key %q is written twice in one object: Docker merges the two, a rewrite would keep one; merge them by hand first", k))
			case seen:
				return configjson.At(name, data, dec.InputOffset(), fmt.Errorf("the keys %q and %q differ only in case: Docker reads them as one setting (the last one's value, or the two objects merged), so an edit of either might not be what Docker reads; keep one by hand first", first, k))
			}
			top.keys[same], top.key = k, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]string{}, object: true, key: true, top: len(stack) == 0})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true // a value ended: a key comes next
		}
	}
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "a value"
}

// Marshal is doc as Docker writes config.json: tab-indented, ending in a
// newline. Keys are sorted.
func (doc Doc) Marshal() ([]byte, error) {
	out, err := json.MarshalIndent(doc, "", "\t")
	return append(out, '\n'), err
}

// Clone copies doc deeply enough for Set: values are never modified in
// place, only replaced.
func (doc Doc) Clone() Doc {
	out := make(Doc, len(doc))
	for k, v := range doc {
		out[k] = v
	}
	return out
}

// Get returns the value at path, and whether it is there.
func (doc Doc) Get(path ...string) (json.RawMessage, bool) {
	v, ok := doc[path[0]]
	if !ok || len(path) == 1 {
		return v, ok
	}
	var sub Doc
	if json.Unmarshal(v, &sub) != nil || sub == nil {
		return nil, false
	}
	return sub.Get(path[1:]...)
}

// len is the number of keys of the object at key; 0 when it is absent or
// not an object.
func (doc Doc) len(key string) int {
	var sub Doc
	_ = json.Unmarshal(doc[key], &sub)
	return len(sub)
}

// String returns the string at path, "" when it is absent or not a string.
func (doc Doc) String(path ...string) string {
	v, _ := doc.Get(path...)
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

// Set puts value at path, creating the objects on the way; a nil value
// removes the key. An object on the way that is `null` is replaced; one
// that holds another type is an error naming it.
func (doc Doc) Set(value json.RawMessage, path ...string) error {
	if len(path) == 1 {
		if value == nil {
			delete(doc, path[0])
		} else {
			doc[path[0]] = value
		}
		return nil
	}
	v, ok := doc[path[0]]
	if !ok && value == nil {
		return nil // nothing to remove
	}
	sub := Doc{}
	if ok && !isNull(v) {
		if err := json.Unmarshal(v, &sub); err != nil || sub == nil {
			return fmt.Errorf("%q is not an object", path[0])
		}
	}
	if err := sub.Set(value, path[1:]...); err != nil {
		return fmt.Errorf("%s.%w", path[0], err)
	}
	raw, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	doc[path[0]] = raw
	return nil
}

// SetString puts the string s at path.
func (doc Doc) SetString(s string, path ...string) error {
	raw, _ := json.Marshal(s)
	return doc.Set(raw, path...)
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

// Edit is one change to config.json: the value at Path goes from Before
// to After. A nil value is an absent key.
type Edit struct {
	Path   []string        `json:"path"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Diff lists the edits that turn before into after, one per value that
// differs. An object that appears (or goes) is an edit of its own, from
// (or to) an empty object, before the edits of the values in it (after
// them), so that an undo can remove each value this tool set and the
// object only when nothing else was put in it since.
func Diff(before, after Doc) []Edit {
	var edits []Edit
	diff(before, after, nil, &edits)
	return edits
}

func diff(before, after Doc, prefix []string, edits *[]Edit) {
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, inB := before[k]
		a, inA := after[k]
		path := append(slices.Clip(prefix), k)
		bd, bObj := object(b)
		ad, aObj := object(a)
		switch {
		case inB && inA && Equal(a, b):
		case bObj && aObj:
			diff(bd, ad, path, edits)
		case aObj:
			*edits = append(*edits, Edit{Path: path, Before: nilIfAbsent(b, inB), After: emptyObject})
			diff(Doc{}, ad, path, edits)
		case bObj:
			diff(bd, Doc{}, path, edits)
			*edits = append(*edits, Edit{Path: path, Before: emptyObject, After: nilIfAbsent(a, inA)})
		default:
			*edits = append(*edits, Edit{Path: path, Before: nilIfAbsent(b, inB), After: nilIfAbsent(a, inA)})
		}
	}
}

var emptyObject = json.RawMessage("{}")

// object decodes v when it is a JSON object.
func object(v json.RawMessage) (Doc, bool) {
	if !isObject(v) {
		return nil, false
	}
	var d Doc
	if json.Unmarshal(v, &d) != nil {
		return nil, false
	}
	return d, true
}

// frame reports whether e only makes or removes the object that other
// edits fill or empty.
func (e Edit) frame() bool {
	return e.Before == nil && Equal(e.After, emptyObject) || e.After == nil && Equal(e.Before, emptyObject)
}

func nilIfAbsent(v json.RawMessage, present bool) json.RawMessage {
	if !present {
		return nil
	}
	return v
}

func isObject(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && v[0] == '{'
}

// Equal reports whether two JSON values are the same value: key order and
// spacing aside, as Docker's rewrite of config.json changes both.
func Equal(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// String shows the edit as configure previews it, one line per value:
// `+ credHelpers.myreg.azurecr.io: "acrdoctor"`, `~ credsStore: "pass" →
// "acrdoctor"`, `- plugins.acrdoctor.hooks: "…"`. An object made or
// removed around them shows as nothing.
func (e Edit) String() string {
	var lines []string
	switch {
	case e.frame():
		// Said by the edits of the values in it.
	case e.Before == nil:
		leaves(e.Path, e.After, func(p, v string) { lines = append(lines, "+ "+p+": "+v) })
	case e.After == nil:
		leaves(e.Path, e.Before, func(p, v string) { lines = append(lines, "- "+p+": "+v) })
	default:
		lines = append(lines, fmt.Sprintf("~ %s: %s → %s", strings.Join(e.Path, "."), compact(e.Before), compact(e.After)))
	}
	return strings.Join(lines, "\n")
}

// Preview is the lines of String for each edit, for a preview of them all.
func Preview(edits []Edit) []string {
	var out []string
	for _, e := range edits {
		if s := e.String(); s != "" {
			out = append(out, strings.Split(s, "\n")...)
		}
	}
	return out
}

func leaves(path []string, v json.RawMessage, fn func(path, value string)) {
	var sub Doc
	if !isObject(v) || json.Unmarshal(v, &sub) != nil || len(sub) == 0 {
		fn(strings.Join(path, "."), compact(v))
		return
	}
	keys := make([]string, 0, len(sub))
	for k := range sub {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		leaves(append(slices.Clip(path), k), sub[k], fn)
	}
}

func compact(v json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return string(v)
	}
	return b.String()
}

// editable are the top-level keys configure may change: helper names and
// settings. auths, where Docker keeps credentials, is not among them, so
// no record or preview can ever hold a secret.
var editable = []string{"credsStore", "credHelpers", "plugins", "features"}

func checkEditable(edits []Edit) error {
	for _, e := range edits {
		if !slices.Contains(editable, e.Path[0]) {
			return fmt.Errorf("configedit: refusing to edit %q", strings.Join(e.Path, "."))
		}
	}
	return nil
}
