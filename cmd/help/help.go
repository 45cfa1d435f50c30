// Package help holds `inboxctl help` and the help-only topics
// (`inboxctl help environment`, `inboxctl help exit-codes`).
package help

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// Options are `inboxctl help`'s: the command path asked about (none: the
// root). The help goes where the root writes, as 'COMMAND --help' does.
type Options struct {
	Factory *cmdutil.Factory
	ctx     context.Context
	root    *cobra.Command

	Path []string
}

// NewCmdHelp is `inboxctl help [command]`: cobra's, except that an unknown
// command or topic is a usage error (exit 2) with suggestions, where
// cobra's prints "Unknown help topic" and exits 0. runF, if not nil, runs
// instead of helpRun once the options are complete (for tests).
func NewCmdHelp(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{Factory: f}
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
			o.ctx = c.Context()
			o.root = c.Root()
			o.Path = args
			if runF != nil {
				return runF(o)
			}
			return helpRun(o)
		},
	}
}

func helpRun(o *Options) error {
	cmd, rest, err := o.root.Find(o.Path)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return cmdutil.UnknownCommand(cmd, rest[0], "Unknown help topic %q for %q.", true)
	}
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	return cmd.Help()
}
