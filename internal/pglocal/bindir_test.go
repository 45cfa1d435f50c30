package pglocal

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeBinDir makes dir/initdb, postgres and pg_ctl (or only initdb).
func fakeBinDir(t *testing.T, dir string, full bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"initdb"}
	if full {
		names = append(names, "postgres", "pg_ctl")
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, exe(n)), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNewestBinDirMacOS: on macOS the newest Homebrew postgresql@NN (either
// prefix) or Postgres.app version that holds the server is chosen; a newer
// one without postgres is passed over.
func TestNewestBinDirMacOS(t *testing.T) {
	root := t.TempDir()
	fakeBinDir(t, filepath.Join(root, "opt/homebrew/opt/postgresql@15/bin"), true)
	fakeBinDir(t, filepath.Join(root, "usr/local/opt/postgresql@16/bin"), true)
	fakeBinDir(t, filepath.Join(root, "Applications/Postgres.app/Contents/Versions/14/bin"), true)
	fakeBinDir(t, filepath.Join(root, "Applications/Postgres.app/Contents/Versions/17/bin"), false)
	if got, want := newestBinDir(root, "darwin"), filepath.Join(root, "usr/local/opt/postgresql@16/bin"); got != want {
		t.Fatalf("darwin: %s, want %s", got, want)
	}
	fakeBinDir(t, filepath.Join(root, "Applications/Postgres.app/Contents/Versions/17/bin"), true)
	if got, want := newestBinDir(root, "darwin"), filepath.Join(root, "Applications/Postgres.app/Contents/Versions/17/bin"); got != want {
		t.Fatalf("darwin: %s, want %s", got, want)
	}
	// Linux does not look in macOS's places, nor macOS in Debian's.
	if got := newestBinDir(root, "linux"); got != "" {
		t.Fatalf("linux found %s", got)
	}
	fakeBinDir(t, filepath.Join(root, "usr/lib/postgresql/18/bin"), true)
	if got, want := newestBinDir(root, "linux"), filepath.Join(root, "usr/lib/postgresql/18/bin"); got != want {
		t.Fatalf("linux: %s, want %s", got, want)
	}
	if got, want := newestBinDir(root, "darwin"), filepath.Join(root, "Applications/Postgres.app/Contents/Versions/17/bin"); got != want {
		t.Fatalf("darwin: %s, want %s", got, want)
	}
	if got := newestBinDir(root, "windows"); got != "" {
		t.Fatalf("windows found %s", got)
	}
}

func TestVersion(t *testing.T) {
	for dir, want := range map[string]float64{
		"/usr/lib/postgresql/16/bin":                              16,
		"/usr/lib/postgresql/9.6/bin":                             9.6,
		"/opt/homebrew/opt/postgresql@17/bin":                     17,
		"/opt/homebrew/opt/postgresql/bin":                        0,
		"/Applications/Postgres.app/Contents/Versions/15/bin":     15,
		"/Applications/Postgres.app/Contents/Versions/latest/bin": 0,
	} {
		if got := version(dir); got != want {
			t.Errorf("version(%s) = %v, want %v", dir, got, want)
		}
	}
}
