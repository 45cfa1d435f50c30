// Package version holds `inboxctl version`.
package version

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// Options are `inboxctl version`'s: it takes no arguments and no flags of
// its own. What it prints is the Factory's Build.
type Options struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdVersion is `inboxctl version`; runF, if not nil, runs instead of
// versionRun once the options are complete (for tests). The root's
// --version flag prints the same build on one line.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	o := &Options{Factory: f}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print inboxctl's version, the commit it was built from and the build date
(set by the release build). It needs no database or configuration.`,
		Example: `  inboxctl version
  inboxctl --version`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return versionRun(o)
		},
	}
}

func versionRun(o *Options) error {
	b := o.Factory.Build
	_, err := fmt.Fprintf(o.Factory.IO.Out, "inboxctl %s\ncommit: %s\nbuilt: %s\n", b.Version, b.Commit, b.Date)
	return err
}
