package configedit

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
)

// MoveAuth returns doc with the auths entry from renamed to, its value as
// written: the one change to auths this package makes, for `fix`, and it
// never looks into the value. It refuses where to holds an entry already.
func MoveAuth(doc Doc, from, to string) (Doc, error) {
	v, ok := doc.Get("auths", from)
	if !ok {
		return nil, fmt.Errorf("config.json has no auths entry %q", from)
	}
	if _, taken := doc.Get("auths", to); taken {
		return nil, fmt.Errorf("config.json has an auths entry %q already", to)
	}
	out := doc.Clone()
	if err := out.Set(nil, "auths", from); err != nil {
		return nil, err
	}
	if err := out.Set(v, "auths", to); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteMoved writes to over config.json, if it is still the file read as
// from, where to differs from it only by auths entries renamed, values
// unchanged (MoveAuth). It keeps no copy or record: a rename is undone by
// renaming back, and a copy would be one more file holding secrets.
func (e *Editor) WriteMoved(from *File, to Doc) error {
	if !renamedOnly(from.Doc, to) {
		return fmt.Errorf("configedit: refusing to write %s: more changed than auths entries renamed", from.Name)
	}
	data, err := to.Marshal()
	if err != nil {
		return err
	}
	unlock, err := e.lock()
	if err != nil {
		return fmt.Errorf("locking the state directory: %w", err)
	}
	defer unlock()
	unchanged := func() error { return unchangedSince(from) }
	return atomicfile.WriteIf(from.Name, data, from.Mode, unchanged)
}

// renamedOnly reports whether after is before with auths keys renamed:
// every other setting as it was, and the same entry values.
func renamedOnly(before, after Doc) bool {
	for _, ed := range Diff(before, after) {
		if ed.Path[0] != "auths" {
			return false
		}
	}
	values := func(d Doc) map[string]int {
		var auths Doc
		_ = json.Unmarshal(d["auths"], &auths)
		n := map[string]int{}
		for _, v := range auths {
			n[compact(v)]++
		}
		return n
	}
	return maps.Equal(values(before), values(after))
}
