package cmd

import "github.com/spf13/cobra"

// requireSubcommand makes every command that only groups subcommands (db,
// org, spam, ...) refuse an unknown subcommand as a usage error (exit 2).
// Cobra's default prints the help and exits 0, so a script with a typo such
// as 'inboxctl spam mrak' would seem to succeed. With no arguments the group
// still prints its help and exits 0.
func requireSubcommand(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireSubcommand(sub)
	}
	if c.HasParent() && !c.Runnable() && c.HasSubCommands() {
		c.Args = cobra.NoArgs
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
}
