package cmd

import (
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/inboxctl/inboxctl/internal/errs"
)

// requireUTF8 makes every runnable command refuse a flag value or an
// argument that is not valid UTF-8 as a usage error (exit 2) naming it,
// before anything reaches the database, which would refuse it with a
// database error (exit 1).
func requireUTF8(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireUTF8(sub)
	}
	if run := c.RunE; run != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			if err := checkUTF8(c.Flags(), args); err != nil {
				return err
			}
			return run(c, args)
		}
	}
}

// checkUTF8 names the first flag (in name order) or argument that is not
// valid UTF-8; the bytes themselves are not echoed.
func checkUTF8(flags *pflag.FlagSet, args []string) error {
	var bad *pflag.Flag
	flags.Visit(func(f *pflag.Flag) {
		if bad == nil && !utf8.ValidString(flagText(f)) {
			bad = f
		}
	})
	if bad != nil {
		return errs.Usagef("The value of --%s is not valid UTF-8.", bad.Name)
	}
	for i, a := range args {
		if !utf8.ValidString(a) {
			return errs.Usagef("Argument %d is not valid UTF-8.", i+1)
		}
	}
	return nil
}

// flagText is every value a flag was given: a repeated flag (--where,
// --label) keeps them all.
func flagText(f *pflag.Flag) string {
	if s, ok := f.Value.(pflag.SliceValue); ok {
		var all string
		for _, v := range s.GetSlice() {
			all += v + "\x00"
		}
		return all
	}
	return f.Value.String()
}
