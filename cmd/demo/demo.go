// Package demo holds `inboxctl demo`: the tour of the spam feature on a
// private PostgreSQL that it starts and removes.
package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/seed"
)

// Runner runs one inboxctl command line with the given streams and returns
// its exit code; the root command provides it, so the tour runs the real
// commands and not a copy of them.
type Runner func(ctx context.Context, io *cmdutil.IOStreams, args []string) errs.Code

// The story's customer: user 7 of the demo data is unassigned, in Pune (so
// in the one-time campaign "Diwali Sale") and labelled billing.
const (
	spammer  = "+919800000007"
	troll    = "+919800000011"
	campaign = "Diwali Sale"
)

// Options are `inboxctl demo`'s flags, and the Runner the tour runs its
// commands with.
type Options struct {
	Factory *cmdutil.Factory
	ctx     context.Context
	Run     Runner

	Keep bool
}

// NewCmdDemo is `inboxctl demo`; run runs the tour's commands, and runF,
// if not nil, runs instead of demoRun (for tests).
func NewCmdDemo(f *cmdutil.Factory, run Runner, runF func(*Options) error) *cobra.Command {
	o := &Options{Factory: f, Run: run}
	c := &cobra.Command{
		Use:   "demo [--keep]",
		Short: "Tour the spam feature on a private database (nothing to configure)",
		Long: `Start a private PostgreSQL from the installed server binaries in a
temporary directory, migrate it, seed the demo org, and walk through marking
one customer as spam with the real inboxctl commands: the folders of an
all-access agent (owner@demo.test) and an assigned-access agent
(ravi@demo.test) before and after, the user card, the refused assignment,
an inbound message that is stored but notifies nobody, the campaign audience
before and after, the unmark that brings everything back, and a mark for an
hour (--for 1h) whose expiry the card shows.

Nothing configured is read or touched. The server and its directory are
removed at the end and on Ctrl-C; --keep leaves the server running and
prints the INBOXCTL_DATABASE_URL to explore it further, and the command that
stops it. Needs the PostgreSQL server package (initdb, postgres), not a
running server.`,
		Example: `  inboxctl demo
  inboxctl demo --keep`,
		Args:    cmdutil.NoArgs,
		GroupID: "core",
		RunE: func(c *cobra.Command, _ []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return demoRun(o)
		},
	}
	c.Flags().BoolVar(&o.Keep, "keep", false, "leave the server running and print how to use and stop it")
	return c
}

func demoRun(o *Options) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	t := &tour{out: f.IO.Out, color: p.Color, tty: f.IO.StdoutTTY, run: o.Run}
	return t.play(o.ctx, o.Keep)
}

// tour prints the story and runs its commands.
type tour struct {
	out   io.Writer
	color bool
	tty   bool
	run   Runner
	url   string
}

func (t *tour) play(ctx context.Context, keep bool) (err error) {
	started := time.Now()
	t.say("Starting a private PostgreSQL server (nothing configured is used)...")
	srv, err := pglocal.Start(ctx, pglocal.Options{Keep: keep})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return errs.Unexpectedf(err, "Cannot start a private PostgreSQL server: %v", err)
	}
	defer func() {
		if err != nil || !keep {
			t.note("Stopping the server and removing %s.", srv.Dir)
			_ = srv.Discard()
		}
	}()
	t.url = srv.URL("postgres")
	t.note("It runs in %s, listening on a unix socket only.", srv.Dir)

	for _, ch := range chapters {
		t.heading(ch.title)
		for _, s := range ch.steps {
			if err := t.step(ctx, s); err != nil {
				return err
			}
		}
	}

	t.heading("Done")
	t.note("The tour took %.1f s.", time.Since(started).Seconds())
	if keep {
		t.note("The server is still running. To explore it:")
		fmt.Fprintf(t.out, "\n  export INBOXCTL_DATABASE_URL='%s'\n  inboxctl inbox list --folder spam --as %s\n", t.url, seed.Owner)
		t.note("To stop it and remove its directory:")
		fmt.Fprintf(t.out, "\n  %s\n", srv.StopCommand())
	}
	return nil
}

// step runs one command and checks its exit code: the tour stops at the
// first surprise rather than telling a story that did not happen.
func (t *tour) step(ctx context.Context, s step) error {
	if s.say != "" {
		t.note("%s", s.say)
	}
	fmt.Fprintf(t.out, "\n%s\n", t.bold("$ inboxctl "+shellJoin(s.args)))
	args := append([]string{"--database-url", t.url, "--org", seed.Org, "-o", "table"}, s.args...)
	if !t.color {
		args = append(args, "--no-color")
	}
	// Errors go to the same stream as the output, so the story reads in order.
	streams := &cmdutil.IOStreams{In: strings.NewReader(""), Out: t.out, ErrOut: t.out, StdoutTTY: t.tty}
	code := t.run(ctx, streams, args)
	if ctx.Err() != nil {
		return interrupted()
	}
	if code != s.want {
		return errs.Unexpectedf(nil, "The demo step 'inboxctl %s' exited %d, expected %d; the tour stops here.", shellJoin(s.args), code, s.want)
	}
	if s.want != errs.OK {
		fmt.Fprintf(t.out, "(exit %d)\n", code)
	}
	return nil
}

func interrupted() error {
	return &errs.Error{Code: errs.Interrupted, Msg: "Interrupted: the demo server was stopped and its directory removed."}
}

func (t *tour) heading(s string) {
	fmt.Fprintf(t.out, "\n%s\n", t.bold("== "+s))
}

func (t *tour) note(format string, args ...any) {
	fmt.Fprintf(t.out, "\n"+format+"\n", args...)
}

func (t *tour) say(s string) { fmt.Fprintln(t.out, s) }

func (t *tour) bold(s string) string {
	if !t.color {
		return s
	}
	return "\x1b[1m" + s + "\x1b[0m"
}

// shellJoin quotes the arguments that a shell would split.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " '\"?*$!;&|<>()\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

type step struct {
	say  string
	args []string
	want errs.Code
}

type chapter struct {
	title string
	steps []step
}

func cmd(say string, args ...string) step { return step{say: say, args: args} }

// folders shows the folders the story moves the chat between, for the
// all-access owner and the assigned-access ravi.
func folders(say string) []step {
	return []step{
		cmd(say, "inbox", "list", "--folder", "unassigned", "--limit", "3", "--as", seed.Owner),
		cmd("", "inbox", "list", "--folder", "spam", "--limit", "3", "--as", seed.Owner),
		cmd("", "inbox", "list", "--folder", "unassigned", "--limit", "3", "--as", seed.Ravi),
		cmd("", "inbox", "list", "--folder", "spam", "--limit", "3", "--as", seed.Ravi),
	}
}

var chapters = []chapter{
	{"Set up the demo org", []step{
		cmd("Apply the schema, then seed org demo: owner@demo.test and asha@demo.test see every chat, ravi@demo.test (assigned access) sees his own and unassigned ones.",
			"db", "migrate"),
		cmd("", "db", "seed", "--demo"),
	}},
	{"A customer starts spamming", append([]step{
		cmd("A message arrives from "+spammer+"; his chat is unassigned, so every agent is notified.",
			"message", "receive", "--from", spammer, "--text", "WIN 10 BTC!!! click bit.ly/free-btc"),
	}, folders("His chat tops the unassigned folder for both agents; nobody's spam folder has anything yet.")...)},
	{"Before the mark: the campaign audience", []step{
		cmd("The one-time campaign \""+campaign+"\" targets city=Pune; he is among its audience.",
			"campaign", "audience", campaign, "--count"),
	}},
	{"Ravi marks him as spam", append([]step{
		cmd("Ravi may: the chat is unassigned, so he can see it. Every effect lands in one transaction, as batch 1.",
			"spam", "mark", spammer, "--reason", "crypto scam", "--yes", "--as", seed.Ravi),
	}, folders("The chat left unassigned for the spam folder: the owner sees the whole org's spam, ravi the spam he marked.")...)},
	{"The user card", []step{
		cmd("The trait 'Marked as Spam' is Yes; the card says who marked him, when and why.",
			"user", "show", spammer),
	}},
	{"His chat is frozen", []step{
		{say: "Nobody may assign, label or answer a spam user's chat; the refusal says why, with exit code 4.",
			args: []string{"chat", "assign", spammer, "--to", seed.Asha, "--as", seed.Owner}, want: errs.Refused},
		cmd("His messages are still stored, but they raise no desktop notification.",
			"message", "receive", "--from", spammer, "--text", "hello?? reply!!"),
		cmd("The owner's notifications: the first message only.",
			"notifications", "list", "--as", seed.Owner),
	}},
	{"After the mark: the campaign audience", []step{
		cmd("He is out of every campaign's audience: one fewer.",
			"campaign", "audience", campaign, "--count"),
	}},
	{"A false positive: unmark reverts everything", append([]step{
		cmd("Batch 1 is undone as a whole (the users it marked that are still spam).",
			"spam", "unmark", "--batch", "1", "--yes", "--as", seed.Owner),
	}, append(folders("The chat is back in unassigned, and the spam folders are empty again."),
		cmd("The audience has him again.", "campaign", "audience", campaign, "--count"),
		cmd("And the chat can be assigned again.", "chat", "assign", spammer, "--to", seed.Asha, "--as", seed.Owner),
		cmd("The card: 'Marked as Spam' is No; the timeline keeps the mark and the unmark.", "user", "show", spammer),
	)...)},
	{"A temporary mark: silenced for an hour", []step{
		cmd("Marks can expire: --for 1h (or --until a date). Everything of a mark applies until then.",
			"spam", "mark", troll, "--for", "1h", "--reason", "abusive, cool off", "--yes", "--as", seed.Owner),
		cmd("The card says until when (spam_until), and so does the timeline.", "user", "show", troll),
		cmd("'spam expire', from cron every minute, unmarks expired marks as one batch; nothing has expired yet, so it changes nothing.",
			"spam", "expire"),
		cmd("Every mark, unmark and expire batch, newest first, with how many of a mark's users are still spam and until when.",
			"spam", "batches"),
	}},
}
