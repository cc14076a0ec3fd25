//go:build unix

package wrapper

import (
	"os"
	"runtime"
	"syscall"
)

// maxRSS is the peak resident set of the process that ended as p, in
// bytes (Linux reports KB, macOS bytes).
func maxRSS(p *os.ProcessState) int64 {
	ru, ok := p.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss << 10
}
