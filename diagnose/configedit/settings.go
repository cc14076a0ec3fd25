package configedit

import (
	"fmt"

	"github.com/acr-doctor/acr-doctor/diagnose/atomicfile"
)

// WriteSettings writes to over config.json, if it is still the file read
// as from, where only the keys configure may edit change (helper names,
// settings: never a credential), and returns the edits. Unlike Apply it
// keeps no copy and no record of its own: fix records the edits with the
// rest of its run, and takes them back with RevertEdits.
func (e *Editor) WriteSettings(from *File, to Doc) ([]Edit, error) {
	edits := Diff(from.Doc, to)
	if len(edits) == 0 {
		return nil, nil
	}
	if err := checkEditable(edits); err != nil {
		return nil, err
	}
	return edits, e.write(from, to)
}

// RevertEdits takes edits WriteSettings made back from config.json at
// name, key by key, keeping what was written since; it refuses, with a
// *ConflictError, where a key it set has changed since. implicit is
// Plan.Implicit of the change: the store Docker used by default before,
// kept named if logins since leave config.json holding entries.
func (e *Editor) RevertEdits(name string, edits []Edit, implicit string) error {
	// The edits come back from a record on disk: only what WriteSettings
	// could have made is reverted.
	if err := checkEditable(edits); err != nil {
		return err
	}
	f, err := Read(name)
	if err != nil {
		return err
	}
	u, err := Revert(&Record{Config: name, Existed: true, Edits: edits, Implicit: implicit}, f)
	if err != nil {
		return err
	}
	if len(u.Conflicts) > 0 {
		return &ConflictError{Config: name, Conflicts: u.Conflicts}
	}
	if len(Diff(f.Doc, u.Result)) == 0 {
		return nil
	}
	return e.write(f, u.Result)
}

// write puts to over config.json under the lock, if it is still the file
// read as from.
func (e *Editor) write(from *File, to Doc) error {
	data, err := to.Marshal()
	if err != nil {
		return err
	}
	unlock, err := e.lock()
	if err != nil {
		return fmt.Errorf("locking the state directory: %w", err)
	}
	defer unlock()
	return atomicfile.WriteIf(from.Name, data, from.Mode, func() error { return unchangedSince(from) })
}
