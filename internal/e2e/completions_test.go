package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/inboxctl/inboxctl/cmd"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// TestCompletionsAreCurrent fails when completions/ differs from what
// `inboxctl completion SHELL` generates; `go generate ./cmd` rewrites them.
func TestCompletionsAreCurrent(t *testing.T) {
	for shell, file := range map[string]string{
		"bash":       "inboxctl.bash",
		"zsh":        "_inboxctl",
		"fish":       "inboxctl.fish",
		"powershell": "inboxctl.ps1",
	} {
		io, _, out, errb := cmdutil.TestIO()
		f := &cmdutil.Factory{IO: io}
		if code := cmd.Run(context.Background(), f, []string{"completion", shell}); code != 0 {
			t.Fatalf("completion %s: exit %d\n%s", shell, code, errb.String())
		}
		want, err := os.ReadFile(filepath.Join(repoRoot, "completions", file))
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != string(want) {
			t.Errorf("completions/%s is stale: run 'go generate ./cmd'", file)
		}
	}
}
