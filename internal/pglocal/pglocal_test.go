//go:build unix

package pglocal_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/inboxctl/inboxctl/internal/pglocal"
)

func ping(t *testing.T, url string) {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("private server does not answer: %v", err)
	}
}

func postmasterPID(t *testing.T, s *pglocal.Server) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	line, _, _ := strings.Cut(string(b), "\n")
	for _, c := range strings.TrimSpace(line) {
		pid = pid*10 + int(c-'0')
	}
	return pid
}

func gone(pid int) bool {
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postgres pid %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStartClose: a started server answers on its socket; Close leaves no
// process and no directory.
func TestStartClose(t *testing.T) {
	s, err := pglocal.Start(context.Background(), pglocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ping(t, s.URL("postgres"))
	pid := postmasterPID(t, s)
	if !pglocal.Running(s.Dir) {
		t.Fatal("Running is false for a running server")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory %s left behind: %v", s.Dir, err)
	}
	if pglocal.Running(s.Dir) {
		t.Fatal("Running is true after Close")
	}
}

// TestInitdbCache: with InitdbCache set, the first start runs initdb into
// the cache and every start copies that cluster; each copy is a server of
// its own, and the cache holds one cluster.
func TestInitdbCache(t *testing.T) {
	cache, err := os.MkdirTemp("", "inboxctl-initdb-cache-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(cache) })
	if err := os.Chmod(cache, 0o755); err != nil { // the postgres user runs initdb in it when this runs as root
		t.Fatal(err)
	}
	old := pglocal.InitdbCache
	pglocal.InitdbCache = cache
	t.Cleanup(func() { pglocal.InitdbCache = old })
	var servers []*pglocal.Server
	for i := 0; i < 2; i++ {
		s, err := pglocal.Start(context.Background(), pglocal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		ping(t, s.URL("postgres"))
		servers = append(servers, s)
	}
	db, err := sql.Open("postgres", servers[0].URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE only_in_the_first (id int)`); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("postgres", servers[1].URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var found bool
	if err := other.QueryRow(`SELECT to_regclass('only_in_the_first') IS NOT NULL`).Scan(&found); err != nil || found {
		t.Fatalf("the second server sees the first's table (%v, %v)", found, err)
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "cluster-") {
		t.Fatalf("cache holds %v, want one cluster", entries)
	}
}

// TestEmptyBinDir: INBOXCTL_PG_BINDIR naming a directory without the server
// binaries is one sentence that names the package to install.
func TestEmptyBinDir(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("INBOXCTL_PG_BINDIR", empty)
	_, err := pglocal.FindBinDir()
	if err == nil {
		t.Fatal("no error for an empty INBOXCTL_PG_BINDIR")
	}
	msg := err.Error()
	for _, want := range []string{empty, "initdb", "PostgreSQL server package", "apt-get install postgresql"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Fatalf("error spans lines: %q", msg)
	}
	if _, err := pglocal.Start(context.Background(), pglocal.Options{}); err == nil || err.Error() != msg {
		t.Fatalf("Start: %v", err)
	}
	if m := pglocal.ErrNoBinaries.Error(); !strings.Contains(m, "install the PostgreSQL server package") || strings.Contains(m, "\n") {
		t.Fatalf("ErrNoBinaries: %q", m)
	}
}

// TestKeepStopCommand: a kept server survives Close; its StopCommand stops
// it and removes the directory.
func TestKeepStopCommand(t *testing.T) {
	s, err := pglocal.Start(context.Background(), pglocal.Options{Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			exec.Command("sh", "-c", s.StopCommand()).Run()
		}
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !pglocal.Running(s.Dir) {
		t.Fatal("Close stopped a kept server")
	}
	ping(t, s.URL("postgres"))
	pid := postmasterPID(t, s)
	if out, err := exec.Command("sh", "-c", s.StopCommand()).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", s.StopCommand(), err, out)
	}
	stopped = true
	waitGone(t, pid)
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("StopCommand left %s: %v", s.Dir, err)
	}
}
