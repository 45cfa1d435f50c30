package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// requireSubcommand makes every command that only groups subcommands (the
// root, db, org, spam, ...) refuse an unknown subcommand as a usage error
// (exit 2) that suggests the near names. Cobra's default prints a group's
// help and exits 0, so a script with a typo such as 'inboxctl spam mrak'
// would seem to succeed, and suggests names only at the root, in an
// English string. With no arguments a group still prints its help and
// exits 0.
func requireSubcommand(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireSubcommand(sub)
	}
	if !c.Runnable() && c.HasSubCommands() {
		c.Args = func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			return cmdutil.UnknownCommand(c, args[0], "Unknown command %q for %q.", false)
		}
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
}

// newCmdHelp is `inboxctl help [command]`: cobra's, except that an unknown
// command or topic is a usage error (exit 2) with suggestions, where
// cobra's prints "Unknown help topic" and exits 0.
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long: `Help about any command or topic, as 'inboxctl COMMAND --help' gives it.
'inboxctl help' lists the commands and the help topics.`,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []string
			for _, sub := range cmd.Commands() {
				if (sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand()) && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, sub.Name()+"\t"+sub.Short)
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return cmdutil.UnknownCommand(cmd, rest[0], "Unknown help topic %q for %q.", true)
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}
