//go:build !unix

package configjson

import "errors"

func syscallMkfifo(string) error { return errors.New("no FIFOs") }
