package cmdutil

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/inboxctl/inboxctl/internal/errs"
)

// Cobra's own errors (its argument validators, its flag checks) are
// English strings; inboxctl's are typed (errs.Usage, exit 2). The
// validators and checks here replace cobra's with typed ones, and
// FlagError types what pflag refuses, so no error is classified by its
// text.

// FlagError is the usage error for a flag pflag refused (unknown, missing
// its value, a value of the wrong type). The root sets it with
// SetFlagErrorFunc; cobra uses the root's for every command.
func FlagError(c *cobra.Command, err error) error {
	return errs.Usagef("%s. See '%s --help'.", upperFirst(err.Error()), c.CommandPath())
}

// NoArgs is cobra.NoArgs with a typed error: an argument to a command that
// takes none is an unknown command.
func NoArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UnknownCommand(c, args[0], "Unknown command %q for %q.", false)
	}
	return nil
}

// ExactArgs is cobra.ExactArgs with a typed error.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return errs.Usagef("Accepts %d arg(s), received %d.", n, len(args))
		}
		return nil
	}
}

// MarkFlagRequired marks a flag required, as cobra's does for help and
// completion, and checks it before cobra would, with a typed error.
func MarkFlagRequired(c *cobra.Command, name string) {
	_ = c.MarkFlagRequired(name)
	pre := c.PreRunE
	c.PreRunE = func(c *cobra.Command, args []string) error {
		if err := RequiredFlags(c.Flags()); err != nil {
			return err
		}
		if pre != nil {
			return pre(c, args)
		}
		return nil
	}
}

// RequiredFlags is the usage error naming the required flags not given,
// in name order, or nil.
func RequiredFlags(fs *pflag.FlagSet) error {
	var missing []string
	fs.VisitAll(func(fl *pflag.Flag) {
		if req, ok := fl.Annotations[cobra.BashCompOneRequiredFlag]; ok && len(req) > 0 && req[0] == "true" && !fl.Changed {
			missing = append(missing, fl.Name)
		}
	})
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return errs.Usagef("Required flag(s) \"%s\" not set.", strings.Join(missing, `", "`))
}

// UnknownCommand is the usage error for name, not a subcommand of c, with
// the subcommands whose names are near it ("Did you mean"), and, for help,
// the help topics (cobra's suggestions leave them out). format has two
// verbs: name and c's path.
func UnknownCommand(c *cobra.Command, name, format string, topics bool) error {
	e := errs.Usagef(format, name, c.CommandPath())
	if !topics && !c.HasAvailableSubCommands() {
		return e // an argument to a command that takes none (bench, with its hidden spawn, too)
	}
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

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// InternalCommandError types an error of one of cobra's hidden commands
// (__complete), which cobra builds, with its own validators, as it runs
// and removes after: a usage error, as every argument error is.
func InternalCommandError(err error) error {
	if _, ok := err.(*errs.Error); ok {
		return err
	}
	return errs.Usagef("%s.", strings.TrimSuffix(upperFirst(err.Error()), "."))
}
