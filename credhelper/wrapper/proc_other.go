//go:build !linux

package wrapper

// parent is the process that started this helper. Elsewhere than Linux
// another process is not read: `docker --config DIR` goes unseen (the
// README says to use DOCKER_CONFIG), and the loop guard is the
// environment marker alone.
type parent struct{}

func readParent() *parent { return nil }

func (*parent) docker() bool      { return false }
func (*parent) configDir() string { return "" }

func startedBySelf() bool { return false }
