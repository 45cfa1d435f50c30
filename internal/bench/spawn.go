package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// SpawnCommand is the hidden `inboxctl bench` subcommand that runs one
// measured command.
//
// Why a go-between: Linux records in a child's ru_maxrss the peak RSS of
// the memory it was exec'd from, and Go forks with CLONE_VM, so a command
// run straight from the bench process would report at least the bench
// process's own peak. The go-between is a fresh, small process; the
// command it runs reports its own peak (floored at the go-between's, about
// that of `inboxctl version`).
const SpawnCommand = "__spawn"

// reportFD is the go-between's descriptor for its report.
const reportFD = 3

// Spawn runs argv (argv[0] a path) with this process's standard streams
// and environment, and writes "wall_ns maxrss_kib exit_code" to
// descriptor 3. It fails only when argv cannot be started.
func Spawn(argv []string) error {
	if len(argv) == 0 {
		return errors.New("nothing to run")
	}
	closeOnExec(reportFD)
	report := os.NewFile(reportFD, "report")
	if report == nil {
		return errors.New("no report descriptor")
	}
	defer report.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	err := cmd.Wait()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return err
	}
	rss := peakRSSKiB(cmd.ProcessState)
	_, err = fmt.Fprintf(report, "%d %d %d\n", wall.Nanoseconds(), rss, cmd.ProcessState.ExitCode())
	return err
}
