package cmd

import (
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
