//go:build deployment

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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

// TestVersionFromBuildInfo: a build without the release ldflags (go build,
// go install) prints the commit and time the Go toolchain stamped. It
// builds in a clone of the repository (the toolchain does not stamp a git
// worktree's build) holding the working tree's files, and asks for the
// stamps (-buildvcs=true), as GOFLAGS may turn them off.
func TestVersionFromBuildInfo(t *testing.T) {
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", repoRoot}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	rev := git("rev-parse", "HEAD")
	at, err := time.Parse(time.RFC3339, git("show", "-s", "--format=%cI", "HEAD"))
	if err != nil {
		t.Fatal(err)
	}
	clone := filepath.Join(t.TempDir(), "src")
	if out, err := exec.Command("git", "clone", "-q", "--shared", repoRoot, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	for _, name := range strings.Split(git("ls-files", "--cached", "--others", "--exclude-standard"), "\n") {
		b, err := os.ReadFile(filepath.Join(repoRoot, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(clone, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(clone, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "inboxctl")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Dir = clone
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("commit: %s\nbuilt: %s\n", rev, at.UTC().Format(time.RFC3339))
	if !strings.HasSuffix(string(out), want) || strings.Contains(string(out), "none") || strings.Contains(string(out), "unknown") {
		t.Errorf("version printed %q, want it to end %q", out, want)
	}
}
