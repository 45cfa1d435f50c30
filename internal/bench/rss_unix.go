//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
)

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// peakRSSKiB is a finished child's peak resident set in KiB: getrusage's
// ru_maxrss, which Linux gives in KiB and macOS in bytes.
func peakRSSKiB(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}
