// Package cmd is inboxctl's command tree: thin cobra commands that parse
// flags, call internal/, and render.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/cmd/agent"
	benchcmd "github.com/inboxctl/inboxctl/cmd/bench"
	campaigncmd "github.com/inboxctl/inboxctl/cmd/campaign"
	chatcmd "github.com/inboxctl/inboxctl/cmd/chat"
	"github.com/inboxctl/inboxctl/cmd/configcmd"
	"github.com/inboxctl/inboxctl/cmd/db"
	"github.com/inboxctl/inboxctl/cmd/demo"
	helpcmd "github.com/inboxctl/inboxctl/cmd/help"
	inboxcmd "github.com/inboxctl/inboxctl/cmd/inbox"
	labelcmd "github.com/inboxctl/inboxctl/cmd/label"
	messagecmd "github.com/inboxctl/inboxctl/cmd/message"
	notificationscmd "github.com/inboxctl/inboxctl/cmd/notifications"
	"github.com/inboxctl/inboxctl/cmd/org"
	spamcmd "github.com/inboxctl/inboxctl/cmd/spam"
	"github.com/inboxctl/inboxctl/cmd/user"
	versioncmd "github.com/inboxctl/inboxctl/cmd/version"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/output"
)

// Set by goreleaser's ldflags.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// build is the version, commit and date from the ldflags, else from the
// Go build info.
func build() cmdutil.Build {
	info, _ := debug.ReadBuildInfo()
	return cmdutil.Build{Version: version, Commit: commit, Date: date}.WithBuildInfo(info)
}

// Execute runs inboxctl and exits with its exit code.
func Execute() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	f := cmdutil.NewFactory(cmdutil.System(), build())
	code := Run(ctx, f, os.Args[1:])
	stop()
	os.Exit(int(code))
}

// Run runs one command line and returns its exit code; errors are reported
// on f.IO.ErrOut.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) errs.Code {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	if f.IO.Interrupted == nil {
		f.IO.Interrupted = ctx.Done()
	}
	c, err := root.ExecuteContextC(ctx)
	if err != nil && c != nil && (c.Name() == cobra.ShellCompRequestCmd || c.Name() == cobra.ShellCompNoDescRequestCmd) {
		err = cmdutil.InternalCommandError(err)
	}
	if err != nil {
		err = f.Explain(ctx, err)
	}
	f.Close()
	if errors.Is(err, cmdutil.ErrPagerClosed) {
		err = nil // quit the pager before the end: read enough
	}
	if err == nil {
		return errs.OK
	}
	if ctx.Err() != nil && errs.ExitCode(err) != errs.Interrupted {
		err = &errs.Error{Code: errs.Interrupted, Msg: "Interrupted: the transaction was rolled back and nothing was changed."}
	}
	errs.Report(f.IO.ErrOut, err, f.Secrets()...)
	return errs.ExitCode(err)
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	if f.Build == (cmdutil.Build{}) {
		f.Build = build()
	}
	f.SetDefaults()
	root := &cobra.Command{
		Use:   "inboxctl <command> <subcommand> [flags]",
		Short: "Administer a shared team inbox: spam users, folders, campaigns",
		Long: `inboxctl administers a shared team inbox (a WhatsApp-style business inbox
answered by a team of agents). Its heart is the user spam feature: mark a
customer as spam and their chat leaves the normal folders for Spam, cannot be
assigned, labelled or answered, is excluded from every campaign and raises no
desktop notifications; unmarking reverts all of it.

Start with 'inboxctl demo' for a tour on a private database.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Build.Version,
		PersistentPreRun: func(c *cobra.Command, _ []string) {
			setUse(f, c)
		},
	}
	root.SetVersionTemplate(fmt.Sprintf("inboxctl %s (commit %s, built %s)\n", f.Build.Version, f.Build.Commit, f.Build.Date))
	pf := root.PersistentFlags()
	pf.String("database-url", "", "PostgreSQL URL (default: libpq's PG* variables)")
	pf.String("org", "", "org slug (may be omitted when the database has one org)")
	pf.String("as", "", "email of the acting agent")
	pf.StringP("output", "o", "", "output format: table|json|ndjson|csv|tsv (default table on a terminal, tsv otherwise)")
	pf.String("config", "", "config file (default $XDG_CONFIG_HOME/inboxctl/config.yaml)")
	pf.Bool("no-color", false, "disable colour")
	pf.Bool("no-pager", false, "do not page long tables through $INBOXCTL_PAGER, $PAGER or less")
	pf.BoolP("yes", "y", false, "do not ask for confirmation")
	f.Flags = pf
	// Every command's flag errors, args validators (cmdutil.NoArgs,
	// ExactArgs) and required flags (cmdutil.MarkFlagRequired) give typed
	// usage errors: none is classified by cobra's English text.
	root.SetFlagErrorFunc(cmdutil.FlagError)
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))

	root.AddGroup(&cobra.Group{ID: "core", Title: "Core commands:"}, &cobra.Group{ID: "admin", Title: "Administration:"})
	for _, c := range []*cobra.Command{db.NewCmdDB(f), org.NewCmdOrg(f), agent.NewCmdAgent(f), user.NewCmdUser(f), spamcmd.NewCmdSpam(f), inboxcmd.NewCmdInbox(f), chatcmd.NewCmdChat(f), labelcmd.NewCmdLabel(f), messagecmd.NewCmdMessage(f), notificationscmd.NewCmdNotifications(f), campaigncmd.NewCmdCampaign(f), configcmd.NewCmdConfig(f), demo.NewCmdDemo(f, runStep, nil), benchcmd.NewCmdBench(f, nil), versioncmd.NewCmdVersion(f, nil)} {
		root.AddCommand(c)
	}
	root.AddCommand(helpcmd.Topics()...)
	root.SetHelpCommand(helpcmd.NewCmdHelp(f, nil))
	registerCompletions(root, completer{f})
	requireSubcommand(root)
	requireUTF8(root)
	// Before the completion command is added: cobra's bash and PowerShell
	// completions keep the writer the root has then.
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	typedCompletionArgs(root)
	return root
}

// runStep runs one command line of the demo with its own Factory, as a
// separate invocation would.
func runStep(ctx context.Context, io *cmdutil.IOStreams, args []string) errs.Code {
	return Run(ctx, cmdutil.NewFactory(io, build()), args)
}

// typedCompletionArgs adds cobra's completion command now, not when the
// root runs, so that its argument validators can be the typed ones.
func typedCompletionArgs(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = cmdutil.NoArgs
			for _, sh := range c.Commands() {
				sh.Args = cmdutil.NoArgs
			}
		}
	}
}
