package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/errs"
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
			return unknownCommand(c, args[0], "Unknown command %q for %q.", false)
		}
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
}

// unknownCommand is the usage error for name, not a subcommand of c, with
// the subcommands whose names are near it, and, for help, the help topics
// (cobra's suggestions leave them out).
func unknownCommand(c *cobra.Command, name, format string, topics bool) error {
	e := errs.Usagef(format, name, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2
	}
	s := c.SuggestionsFor(name)
	if topics {
		for _, sub := range c.Commands() {
			if sub.IsAdditionalHelpTopicCommand() && near(name, sub.Name(), c.SuggestionsMinimumDistance) {
				s = append(s, sub.Name())
			}
		}
	}
	switch len(s) {
	case 0:
	case 1:
		e = e.WithDetails(fmt.Sprintf("Did you mean %q?", s[0]))
	default:
		e = e.WithDetails(fmt.Sprintf("Did you mean one of %s?", strings.Join(quoted(s), ", ")))
	}
	return e.WithDetails(fmt.Sprintf("Run '%s --help' for its commands.", c.CommandPath()))
}

// near says whether typed is a prefix of name or within max edits of it
// (Levenshtein, ignoring case), as cobra judges a command name.
func near(typed, name string, max int) bool {
	a, b := []rune(strings.ToLower(typed)), []rune(strings.ToLower(name))
	if len(a) > 0 && strings.HasPrefix(string(b), string(a)) {
		return true
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)] <= max
}

func quoted(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
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
				return unknownCommand(cmd, rest[0], "Unknown help topic %q for %q.", true)
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}
