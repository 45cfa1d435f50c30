package bench

import "os"

// Windows runs no bench (no private server, see pglocal); these only let
// the package build.

func closeOnExec(int) {}

func peakRSSKiB(*os.ProcessState) int64 { return 0 }
