package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/cmd"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// TestOnePagePerCommand: every command a user can run (groups included,
// hidden ones not) gets its section 1 page, named as man looks it up.
func TestOnePagePerCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SOURCE_DATE_EPOCH", "1764547200")
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	root := cmd.NewCmdRoot(&cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}})
	root.InitDefaultCompletionCmd()
	want := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c.HasParent() {
			return
		}
		want[strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"] = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[e.Name()] = true
	}
	for name := range want {
		if !got[name] {
			t.Errorf("no page %s", name)
		}
	}
	for name := range got {
		if !want[name] {
			t.Errorf("page %s for no command", name)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "inboxctl-spam-mark.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`.TH "INBOXCTL" "1" "Dec 2025" "inboxctl"`, "inboxctl-spam-mark - Mark users as spam", "batch id", `\fB--reason\fP`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("inboxctl-spam-mark.1 lacks %q:\n%.600s", w, b)
		}
	}
}
