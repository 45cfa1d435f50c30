package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
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
	syscall.CloseOnExec(reportFD)
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
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	_, err = fmt.Fprintf(report, "%d %d %d\n", wall.Nanoseconds(), rss, cmd.ProcessState.ExitCode())
	return err
}

// Measured is what one run through the go-between did.
type Measured struct {
	Wall    time.Duration
	PeakKiB int64 // peak RSS
	Code    int   // exit code
}

// Measure runs cmd through binary's go-between: cmd's program and
// arguments, directory, environment and standard streams stay as they are;
// its wall time, peak RSS and exit code come back. A non-zero exit is no
// error; a go-between that cannot run the command, or does not report, is.
func Measure(binary string, cmd *exec.Cmd) (Measured, error) {
	rd, wr, err := os.Pipe()
	if err != nil {
		return Measured{}, err
	}
	defer rd.Close()
	cmd.Args = append([]string{"inboxctl", "bench", SpawnCommand, cmd.Path}, cmd.Args[1:]...)
	cmd.Path = binary
	cmd.ExtraFiles = []*os.File{wr} // descriptor 3: the report
	err = cmd.Start()
	wr.Close()
	if err != nil {
		return Measured{}, err
	}
	report, _ := io.ReadAll(rd)
	err = cmd.Wait()
	var m Measured
	var ns int64
	if _, serr := fmt.Sscan(string(report), &ns, &m.PeakKiB, &m.Code); serr != nil || err != nil {
		if err == nil {
			err = errors.New("no report")
		}
		return m, err
	}
	m.Wall = time.Duration(ns)
	return m, nil
}
