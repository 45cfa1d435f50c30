package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionsAreCurrent fails when completions/ differs from what the
// binary generates; `go generate ./cmd` rewrites them.
func TestCompletionsAreCurrent(t *testing.T) {
	for shell, file := range map[string]string{
		"bash":       "inboxctl.bash",
		"zsh":        "_inboxctl",
		"fish":       "inboxctl.fish",
		"powershell": "inboxctl.ps1",
	} {
		got, err := exec.Command(filepath.Join(binDir, "inboxctl"), "completion", shell).Output()
		if err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		want, err := os.ReadFile(filepath.Join(repoRoot, "completions", file))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("completions/%s is stale: run 'go generate ./cmd'", file)
		}
	}
}

// TestVersionFromReleaseLdflags builds with the ldflags .goreleaser.yaml
// passes and checks what `inboxctl version` prints.
func TestVersionFromReleaseLdflags(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ldflags string
	for _, line := range strings.Split(string(cfg), "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "- -s -w") {
			ldflags = strings.TrimPrefix(l, "- ")
		}
	}
	if ldflags == "" {
		t.Fatal(".goreleaser.yaml has no '- -s -w ...' ldflags line")
	}
	r := strings.NewReplacer("{{.Version}}", "1.2.3", "{{.Commit}}", "abc1234", "{{.Date}}", "2026-11-25T00:00:00Z")
	dir := t.TempDir()
	if err := buildBinary(dir, r.Replace(ldflags)); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(dir, "inboxctl"), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "inboxctl 1.2.3\ncommit: abc1234\nbuilt: 2026-11-25T00:00:00Z\n"; string(out) != want {
		t.Errorf("version printed %q, want %q", out, want)
	}
	out, err = exec.Command(filepath.Join(dir, "inboxctl"), "--version").Output()
	if err != nil || !strings.Contains(string(out), "1.2.3") || !strings.Contains(string(out), "abc1234") {
		t.Errorf("--version printed %q (%v)", out, err)
	}
}
