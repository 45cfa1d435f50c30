package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// TestCommandDocs: every command under db, org, agent, user and config, and
// version, has Short, Long and an Example that starts with "inboxctl" or a
// variable assignment followed by it (paste-able by a support lead).
func TestCommandDocs(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
	root := NewCmdRoot(f)
	var check func(c *cobra.Command)
	check = func(c *cobra.Command) {
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s: Short %v, Long %v, Example %v", c.CommandPath(), c.Short != "", c.Long != "", c.Example != "")
		}
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.Contains(line, "inboxctl ") {
				t.Errorf("%s: example line %q does not run inboxctl", c.CommandPath(), line)
			}
		}
		for _, sub := range c.Commands() {
			check(sub)
		}
	}
	for _, name := range []string{"db", "org", "agent", "user", "config", "version"} {
		c, _, err := root.Find([]string{name})
		if err != nil || c == root {
			t.Fatalf("no command %s: %v", name, err)
		}
		check(c)
	}
}

// TestUnknownSubcommand: a typo under a command group is a usage error
// (exit 2), not the group's help with exit 0; the bare group still shows
// its help and exits 0.
func TestUnknownSubcommand(t *testing.T) {
	for _, args := range [][]string{{"db", "migrat"}, {"spam", "mrak"}, {"chat", "label", "sett"}, {"config", "shw"}} {
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
		code := Run(context.Background(), f, args)
		if code != 2 || !strings.Contains(errOut.String(), "Unknown command \""+args[len(args)-1]+"\"") || out.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out.String(), errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}}
	if code := Run(context.Background(), f, []string{"db"}); code != 0 || !strings.Contains(out.String(), "Available Commands") {
		t.Errorf("bare db: exit %d, %q %q", code, out.String(), errOut.String())
	}
}
