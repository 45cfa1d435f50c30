package cmd

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// TestCommandDocs: every command of the tree (not hidden commands, help
// topics, help or completion) has Short, Long and an Example whose every
// line runs inboxctl, alone or after a variable assignment or a pipe, and
// every inboxctl command line in an Example names a real command with flags
// it has and arguments it accepts (paste-able by a support lead).
func TestCommandDocs(t *testing.T) {
	root := newDocsRoot()
	var check func(c *cobra.Command)
	check = func(c *cobra.Command) {
		if c.Hidden || c.IsAdditionalHelpTopicCommand() || c.Name() == "help" || (c.Name() == "completion" && c.Parent() == root) {
			return
		}
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s: Short %v, Long %v, Example %v", c.CommandPath(), c.Short != "", c.Long != "", c.Example != "")
		}
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			lines := exampleCommandLines(line)
			if len(lines) == 0 {
				t.Errorf("%s: example line %q does not run inboxctl", c.CommandPath(), line)
			}
			for _, args := range lines {
				if err := checkExample(args); err != nil {
					t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				}
			}
		}
		for _, sub := range c.Commands() {
			check(sub)
		}
	}
	if len(root.Commands()) < 10 {
		t.Fatalf("the tree has %d commands", len(root.Commands()))
	}
	for _, c := range root.Commands() {
		check(c)
	}
}

// TestCheckExample: the example checker refuses what a paste would refuse.
func TestCheckExample(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{`inboxctl spam mark +919800000007 --reason "abusive" --as lead@acme.test`, true},
		{`cut -d, -f1 r.csv | inboxctl spam mark -f - --yes -o ndjson > out.ndjson`, true},
		{`INBOXCTL_ORG=acme inboxctl config show`, true},
		{`inboxctl inbox list --folder all --after "$(jq -r .next_cursor p.json)"`, true},
		{`inboxctl --version`, true},
		{`inboxctl spam mrak +919800000007`, false},
		{`inboxctl spam`, false},
		{`inboxctl sapm mark +919800000007`, false},
		{`inboxctl spam mark --reasn x +919800000007`, false},
		{`inboxctl spam list --batch forty-two`, false},
		{`inboxctl campaign create "Diwali Sale"`, false},
		{`inboxctl user show`, false},
	} {
		lines := exampleCommandLines(tc.line)
		if len(lines) != 1 {
			t.Errorf("%q: %d inboxctl command lines", tc.line, len(lines))
			continue
		}
		if err := checkExample(lines[0]); (err == nil) != tc.ok {
			t.Errorf("%q: error %v, want ok %v", tc.line, err, tc.ok)
		}
	}
}

func newDocsRoot() *cobra.Command {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
	return NewCmdRoot(f)
}

// checkExample parses one inboxctl command line (the arguments after
// "inboxctl") against a fresh tree, as cobra would before running it: the
// command exists and runs, its flags exist and take the values given, its
// required flags are there and its arguments are accepted.
func checkExample(args []string) error {
	root := newDocsRoot()
	c, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	c.InitDefaultHelpFlag()
	c.InitDefaultVersionFlag()
	if err := c.ParseFlags(rest); err != nil {
		return err
	}
	if help, _ := c.Flags().GetBool("help"); help {
		return nil
	}
	if v, _ := c.Flags().GetBool("version"); v && c == root {
		return nil
	}
	if !c.Runnable() || c.HasAvailableSubCommands() {
		return fmt.Errorf("%s only groups commands: name one of them", c.CommandPath())
	}
	if err := c.ValidateArgs(c.Flags().Args()); err != nil {
		return err
	}
	if err := c.ValidateRequiredFlags(); err != nil {
		return err
	}
	return c.ValidateFlagGroups()
}

// exampleCommandLines splits a shell line into words and returns the
// arguments of each inboxctl it runs: at the start of a command (after a
// pipe, ; or &&, and after variable assignments) up to the next operator or
// redirection.
func exampleCommandLines(line string) [][]string {
	words := shellWords(line)
	var out [][]string
	atStart := true
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w.op:
			atStart = w.text != ">" && w.text != ">>" && w.text != "<"
		case atStart && strings.Contains(w.text, "=") && !strings.HasPrefix(w.text, "="):
		case atStart && w.text == "inboxctl":
			var args []string
			for i+1 < len(words) && !words[i+1].op {
				i++
				args = append(args, words[i].text)
			}
			out = append(out, args)
			atStart = false
		default:
			atStart = false
		}
	}
	return out
}

type shellWord struct {
	text string
	op   bool
}

// shellWords is enough of sh's word splitting for examples: quotes, $(...)
// kept whole, and the operators | || & && ; > >> <.
func shellWords(line string) []shellWord {
	var words []shellWord
	var b strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, shellWord{text: b.String()})
			b.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == ' ' || ch == '\t':
			flush()
		case ch == '\'' || ch == '"':
			inWord = true
			j := strings.IndexByte(line[i+1:], ch)
			if j < 0 {
				j = len(line) - i - 1
			}
			b.WriteString(line[i+1 : i+1+j])
			i += j + 1
		case ch == '$' && i+1 < len(line) && line[i+1] == '(':
			inWord = true
			depth := 0
			for ; i < len(line); i++ {
				b.WriteByte(line[i])
				if line[i] == '(' {
					depth++
				} else if line[i] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
		case strings.IndexByte("|&;<>", ch) >= 0:
			flush()
			op := string(ch)
			if i+1 < len(line) && (line[i+1] == ch) {
				op += string(ch)
				i++
			}
			words = append(words, shellWord{text: op, op: true})
		default:
			inWord = true
			b.WriteByte(ch)
		}
	}
	flush()
	return words
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
