// Package configcmd holds `inboxctl config show`.
package configcmd

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

// NewCmdConfig is `inboxctl config`.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "config <command>",
		Short: "Show the effective configuration",
		Long: `Every global flag is also read from an INBOXCTL_<NAME> environment variable
and from the config file ($XDG_CONFIG_HOME/inboxctl/config.yaml, or --config
PATH), in the order flag > env > file > default. 'config show' prints what is
in effect and where each value came from.`,
		Example: `  inboxctl config show
  inboxctl config show --config ./staging.yaml -o json`,
		GroupID: "admin",
	}
	c.AddCommand(NewCmdShow(f, nil))
	return c
}

// ShowOptions are `inboxctl config show`'s: it takes no arguments and no
// flags of its own.
type ShowOptions struct {
	Factory *cmdutil.Factory
}

// NewCmdShow is `inboxctl config show`; runF, if not nil, runs instead of
// showRun (for tests).
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	o := &ShowOptions{Factory: f}
	return &cobra.Command{
		Use:   "show",
		Short: "Show every setting, its value and where it came from",
		Long: `Show every setting with its effective value and its source: a flag, an
INBOXCTL_* environment variable, the config file, or the default. Precedence is
flag > env > file > default. Passwords are masked.`,
		Example: `  inboxctl config show
  INBOXCTL_ORG=acme inboxctl config show
  inboxctl config show --config ./staging.yaml -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(o)
			}
			return showRun(o)
		},
	}
}

func showRun(o *ShowOptions) error {
	cfg, err := o.Factory.Config()
	if err != nil {
		return err
	}
	p, err := o.Factory.Printer()
	if err != nil {
		return err
	}
	l := p.List(output.Cols("key", "value", "source"))
	for _, s := range cfg.Settings() {
		l.Row(s.Key, s.Value, s.Source)
	}
	return l.Close()
}
