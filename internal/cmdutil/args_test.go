package cmdutil

import (
	"errors"
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/errs"
)

// TestCobraErrorsAreTyped: every argument, flag and required-flag error a
// command gives is a usage error (exit 2) by type, with the sentence the
// scripts expect.
func TestCobraErrorsAreTyped(t *testing.T) {
	newTree := func() *cobra.Command {
		root := &cobra.Command{Use: "inboxctl", SilenceErrors: true, SilenceUsage: true}
		root.SetFlagErrorFunc(FlagError)
		group := &cobra.Command{Use: "spam", Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return UnknownCommand(c, args[0], "Unknown command %q for %q.", false)
			}
			return nil
		}, RunE: func(*cobra.Command, []string) error { return nil }}
		mark := &cobra.Command{Use: "mark", Args: ExactArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
		list := &cobra.Command{Use: "list", Args: NoArgs, RunE: func(*cobra.Command, []string) error { return nil }}
		list.Flags().Int("limit", 0, "")
		create := &cobra.Command{Use: "create", RunE: func(*cobra.Command, []string) error { return nil }}
		create.Flags().String("kind", "", "")
		MarkFlagRequired(create, "kind")
		group.AddCommand(mark, list)
		root.AddCommand(group, create)
		return root
	}
	for _, tt := range []struct {
		argv    []string
		want    string
		details int
	}{
		{[]string{"spam", "mark"}, "Accepts 1 arg(s), received 0.", 0},
		{[]string{"spam", "list", "x"}, `Unknown command "x" for "inboxctl spam list".`, 0},
		{[]string{"spam", "mrak"}, `Unknown command "mrak" for "inboxctl spam".`, 2}, // did you mean, run --help
		{[]string{"spam", "list", "--limit", "x"}, `Invalid argument "x" for "--limit" flag: strconv.ParseInt: parsing "x": invalid syntax. See 'inboxctl spam list --help'.`, 0},
		{[]string{"spam", "list", "--bogus"}, "Unknown flag: --bogus. See 'inboxctl spam list --help'.", 0},
		{[]string{"create"}, `Required flag(s) "kind" not set.`, 0},
	} {
		root := newTree()
		root.SetArgs(tt.argv)
		_, err := root.ExecuteC()
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Usage || e.Msg != tt.want || len(e.Details) != tt.details {
			t.Errorf("%q: got %#v, want usage error %q with %d detail(s)", tt.argv, err, tt.want, tt.details)
		}
	}
	if err := InternalCommandError(errors.New("requires at least 1 arg(s), only received 0")); errs.ExitCode(err) != errs.Usage || err.Error() != "Requires at least 1 arg(s), only received 0." {
		t.Errorf("InternalCommandError: %v", err)
	}
}
