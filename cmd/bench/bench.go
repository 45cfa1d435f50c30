// Package bench holds `inboxctl bench`.
package bench

import (
	"context"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/bench"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
)

// Options are `inboxctl bench`'s flags.
type Options struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Users      []int
	Only       string
	FailMissed bool
}

// NewCmdBench is `inboxctl bench`; runF, if not nil, runs instead of
// benchRun (for tests).
func NewCmdBench(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{Factory: f}
	c := &cobra.Command{
		Use:   "bench [--users N[,N...]] [--only NAME]",
		Short: "Measure every performance target on a private database",
		Long: `Start a private PostgreSQL (like 'demo'; never a configured database),
generate N users (one chat each, 10% spam, chats spread over three agents,
city and tier traits, a scheduled one-time campaign of everyone and an
ongoing one), and measure every operation of the performance targets through
the CLI itself: the inboxctl binary runs as a subprocess against that data,
timed from fork to exit, with its peak resident set (RSS) read from the
kernel. Beside each, on an identical copy of the data, a hand-written SQL
baseline runs in the same process; the ratio is CLI time over baseline time.

Operations (--only NAME runs one): ` + strings.Join(bench.Operations(), ", ") + `.
Inbox pages are timed both in-process (the service call) and as a process.

Several sizes, comma-separated, show how each cost grows: one table per size
(with -o json, an array of reports). Progress goes to stderr. A missed
target is marked MISSED and the exit code stays 0, unless --fail-missed
makes it 5 (a job that gates on the targets). At the default
1,000,000 users it takes a few minutes on two cores and needs a few GB of
disk in $TMPDIR.`,
		Example: `  # the whole table at 1,000,000 users
  inboxctl bench

  # quick look, one operation
  inboxctl bench --users 100000 --only mark

  # the memory test of the audience: exit 5 unless peak RSS <= 64 MiB and the ratio holds
  inboxctl bench --only audience --fail-missed

  # scaling: 10k, 100k and 1M users, as JSON
  inboxctl bench --users 10000,100000,1000000 -o json > bench.json`,
		Args:    cmdutil.NoArgs,
		GroupID: "admin",
		RunE: func(c *cobra.Command, _ []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return benchRun(o)
		},
	}
	c.Flags().IntSliceVar(&o.Users, "users", []int{bench.DefaultUsers}, "users to generate; several sizes comma-separated")
	c.Flags().BoolVar(&o.FailMissed, "fail-missed", false, "exit 5 when a target is missed (for a job that gates on it)")
	c.Flags().StringVar(&o.Only, "only", "", "run one operation: "+strings.Join(bench.Operations(), ", "))
	_ = c.RegisterFlagCompletionFunc("only", cobra.FixedCompletions(bench.Operations(), cobra.ShellCompDirectiveNoFileComp))
	c.AddCommand(newCmdSpawn())
	return c
}

func benchRun(o *Options) error {
	f := o.Factory
	bin, err := os.Executable()
	if err != nil {
		return errs.Unexpectedf(err, "Cannot find the inboxctl binary to measure: %v.", err)
	}
	p, err := f.Printer()
	if err != nil {
		return err
	}
	reports, err := bench.Run(o.ctx, bench.Options{Users: o.Users, Only: o.Only, Binary: bin, Progress: f.IO.ErrOut})
	if err != nil {
		return err
	}
	if err := bench.Print(f.IO.Out, p.Format, reports); err != nil {
		return err
	}
	if n := bench.Failed(reports); n > 0 {
		return errs.Unexpectedf(nil, "%d operation(s) failed to run; see their detail above.", n)
	}
	if n := bench.Missed(reports); n > 0 && o.FailMissed {
		return errs.Checkf("%d target(s) missed; see the rows marked MISSED above.", n)
	}
	return nil
}

// newCmdSpawn is the hidden go-between that runs one measured command and
// reports its time and peak RSS (see bench.SpawnCommand).
func newCmdSpawn() *cobra.Command {
	return &cobra.Command{
		Use:                bench.SpawnCommand + " PROGRAM [ARG...]",
		Short:              "Run one measured command (internal to bench)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, args []string) error {
			if err := bench.Spawn(args); err != nil {
				return errs.Unexpectedf(err, "Cannot run the measured command: %v.", err)
			}
			return nil
		},
	}
}
