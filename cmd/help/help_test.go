package help

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestHelpFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdHelp, func(o *Options) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		if o.root == nil {
			t.Error("options lack the root command")
		}
		o.Factory, o.ctx, o.root = nil, nil, nil
		return f, ctx
	}, []cmdtest.Case[Options]{
		{Argv: []string{}, Want: &Options{Path: []string{}}},
		{Argv: []string{"environment"}, Want: &Options{Path: []string{"environment"}}},
		{Argv: []string{"spam", "mark"}, Want: &Options{Path: []string{"spam", "mark"}}},
		{Argv: []string{"--bogus"}, WantErr: "Unknown flag: --bogus. See 'help --help'."},
	})
}

// TestHelpRun: a command or topic prints its help; an unknown one is a
// usage error naming it, with the near topics as suggestions.
func TestHelpRun(t *testing.T) {
	newRoot := func(f *cmdutil.Factory) *cobra.Command {
		// Args as the real root's (requireSubcommand): Find leaves an
		// unknown name in rest instead of failing.
		root := &cobra.Command{Use: "inboxctl", Args: cobra.ArbitraryArgs}
		root.AddCommand(&cobra.Command{Use: "spam", Short: "Mark users as spam", Run: func(*cobra.Command, []string) {}})
		root.AddCommand(Topics()...)
		root.SetHelpCommand(NewCmdHelp(f, nil))
		return root
	}
	f, _, out, _ := cmdtest.Factory(t)
	if err := cmdtest.Run(f, newRoot(f), "help", "exit-codes"); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); len(got) < 20 || got[:20] != "inboxctl's exit code" {
		t.Errorf("help exit-codes printed %q", got)
	}
	f, _, _, _ = cmdtest.Factory(t)
	err := cmdtest.Run(f, newRoot(f), "help", "environmnet")
	cmdtest.WantUsageError(t, err, `Unknown help topic "environmnet" for "inboxctl".`)
}
