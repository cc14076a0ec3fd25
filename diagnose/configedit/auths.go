package configedit

import (
	"fmt"
	"slices"
	"strings"
)

// MoveAuth returns doc with the auths entry from renamed to, its value as
// written: the one change to auths this package makes, for `fix`, and it
// never looks into the value. It refuses where to holds an entry already.
func MoveAuth(doc Doc, from, to string) (Doc, error) {
	v, ok := doc.Get("auths", from)
	if !ok {
		return nil, fmt.Errorf("no auths entry %q", from)
	}
	if _, taken := doc.Get("auths", to); taken {
		return nil, fmt.Errorf("an auths entry %q is there already", to)
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

// WriteAuths writes to over config.json, if it is still the file read as
// from, where to differs from it only in the auths entries named by keys
// (fix moves, sets aside and renews entries). It keeps no copy or record:
// fix records what it did, by fingerprint, and a copy would be one more
// file holding secrets.
func (e *Editor) WriteAuths(from *File, to Doc, keys ...string) error {
	for _, ed := range Diff(from.Doc, to) {
		if len(ed.Path) < 2 || ed.Path[0] != "auths" || !slices.Contains(keys, ed.Path[1]) {
			return fmt.Errorf("configedit: refusing to write %s: it would change %s", from.Name, strings.Join(ed.Path, "."))
		}
	}
	return e.write(from, to)
}
