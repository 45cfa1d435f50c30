// Package pglocal starts a private PostgreSQL server from the installed
// server binaries in a temporary directory, for `inboxctl demo`, `inboxctl
// bench` and the tests. The server listens on a unix socket only, runs with
// fsync off, and is stopped and removed by Close.
//
// It runs on Linux and macOS (Homebrew's or Postgres.app's binaries are
// found there); on Windows, Start says in one sentence that it cannot.
// What differs by platform (running the server as the postgres user when
// root, tying its life to this process, probing a pid) is in the
// proc_*.go files.
package pglocal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Port names the socket file; every server has its own socket directory.
const Port = 5432

// Options tune a server.
type Options struct {
	// Keep leaves the server running after this process exits (demo --keep):
	// it is started detached, and Close does not stop it.
	Keep bool
	// Settings are extra server settings (name → value).
	Settings map[string]string
	// Replication makes the server a primary that a hot standby can be
	// made of (StartStandby): WAL for replicas, WAL senders, and
	// replication connections over its unix socket.
	Replication bool
}

// Server is a running private PostgreSQL.
type Server struct {
	Dir    string // temporary directory holding data/, the socket and the log
	BinDir string
	cred   *runAs // the postgres OS user, when started as root
	cmd    *exec.Cmd
	keep   bool
	done   chan struct{}
	args   []string // the server's settings, which a standby of it shares
}

// ErrNoBinaries is returned when no PostgreSQL server binaries are installed.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (initdb, postgres): install the PostgreSQL server package, e.g. 'apt-get install postgresql' on Debian/Ubuntu or 'brew install postgresql' on macOS, or set INBOXCTL_PG_BINDIR")

// FindBinDir finds the directory of initdb and postgres: $INBOXCTL_PG_BINDIR,
// then PATH, then `pg_config --bindir`, then the newest of the directories
// where this platform's packages install them (binDirGlobs).
func FindBinDir() (string, error) {
	if d := os.Getenv("INBOXCTL_PG_BINDIR"); d != "" {
		if hasServer(d) {
			return d, nil
		}
		return "", fmt.Errorf("INBOXCTL_PG_BINDIR=%s holds no initdb, postgres and pg_ctl: install the PostgreSQL server package (e.g. 'apt-get install postgresql' on Debian/Ubuntu or 'brew install postgresql' on macOS) and point INBOXCTL_PG_BINDIR at its bin directory, or unset it", d)
	}
	if p, err := exec.LookPath(exe("initdb")); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if hasServer(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); hasServer(d) {
			return d, nil
		}
	}
	if d := newestBinDir("", runtime.GOOS); d != "" {
		return d, nil
	}
	return "", ErrNoBinaries
}

// binDirGlobs are where each platform's packages put the server binaries:
// Debian's and Ubuntu's postgresql-NN; Homebrew's postgresql@NN (Apple
// silicon, then Intel prefix) and Postgres.app on macOS.
var binDirGlobs = map[string][]string{
	"linux": {"/usr/lib/postgresql/*/bin"},
	"darwin": {
		"/opt/homebrew/opt/postgresql*/bin",
		"/usr/local/opt/postgresql*/bin",
		"/Applications/Postgres.app/Contents/Versions/*/bin",
	},
}

// newestBinDir is the directory of binDirGlobs[goos] (under root, for the
// tests) with the highest PostgreSQL version that holds the server.
func newestBinDir(root, goos string) string {
	var dirs []string
	for _, g := range binDirGlobs[goos] {
		m, _ := filepath.Glob(filepath.Join(root, g))
		dirs = append(dirs, m...)
	}
	sort.SliceStable(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if hasServer(d) {
			return d
		}
	}
	return ""
}

func hasServer(dir string) bool {
	for _, b := range []string{"initdb", "postgres", "pg_ctl"} {
		if st, err := os.Stat(filepath.Join(dir, exe(b))); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// version is the PostgreSQL version a bin directory is for, from its
// parent's name: 16 (Debian, Postgres.app), postgresql@16 (Homebrew), 9.6;
// 0 when the name has none (Postgres.app's "latest", Homebrew's unversioned
// postgresql).
func version(bindir string) float64 {
	name := filepath.Base(filepath.Dir(bindir))
	if i := strings.LastIndexByte(name, '@'); i >= 0 {
		name = name[i+1:]
	}
	v, _ := strconv.ParseFloat(name, 64)
	return v
}

// InitdbCache, when not empty, is a directory where Start keeps one fresh
// cluster per server installation and copies it instead of running initdb,
// which is most of a start. The tests set it (testdb); a command (demo,
// bench) leaves it empty, so it leaves nothing behind.
var InitdbCache string

// Start creates a cluster in a new temporary directory and starts it.
func Start(ctx context.Context, opts Options) (_ *Server, err error) {
	if errUnsupported != nil {
		return nil, errUnsupported
	}
	bindir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "inboxctl-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, BinDir: bindir, keep: opts.Keep}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as the postgres user.
		if s.cred, err = postgresUser(dir); err != nil {
			return s, err
		}
	}
	if err := s.initdb(ctx); err != nil {
		return s, err
	}
	s.args = []string{"-p", strconv.Itoa(Port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "logging_collector=off"}
	if opts.Replication {
		// The superuser postgres is the replication role; trust on the
		// socket, as for every other connection to a private server.
		s.args = append(s.args, "-c", "wal_level=replica", "-c", "max_wal_senders=4", "-c", "hot_standby=on")
		if err := s.appendHBA("local replication all trust\n"); err != nil {
			return s, err
		}
	}
	for k, v := range opts.Settings {
		s.args = append(s.args, "-c", k+"="+v)
	}
	if opts.Keep {
		o := strings.Join(quoteAll(append([]string{"-k", dir}, s.args...)), " ")
		cmd := s.command(ctx, "pg_ctl", "start", "-w", "-D", s.DataDir(), "-l", s.LogFile(), "-o", o)
		if out, err := cmd.CombinedOutput(); err != nil {
			return s, fmt.Errorf("pg_ctl start failed: %v\n%s\n%s", err, out, s.logTail())
		}
		return s, nil
	}
	return s, s.run(ctx)
}

// run starts the server of s.DataDir as a child that dies with this
// process, and waits until it accepts connections.
func (s *Server) run(ctx context.Context) error {
	logf, err := os.OpenFile(s.LogFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := append([]string{"-D", s.DataDir(), "-k", s.Dir}, s.args...)
	s.cmd = s.command(context.Background(), "postgres", args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// On Linux the server dies with this process even when it is killed
	// outright; elsewhere Close stops it.
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	return s.waitReady(ctx)
}

func (s *Server) appendHBA(line string) error {
	f, err := os.OpenFile(filepath.Join(s.DataDir(), "pg_hba.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// StartStandby makes a hot standby of s, a server started with
// Replication: pg_basebackup -R copies s over its unix socket and
// configures streaming from it, then the copy starts in its own directory
// and accepts read-only connections while it replays s's WAL. Close it
// before s.
func (s *Server) StartStandby(ctx context.Context) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "inboxctl-pg-standby-")
	if err != nil {
		return nil, err
	}
	st := &Server{Dir: dir, BinDir: s.BinDir, cred: s.cred, args: s.args}
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	if err := chownTo(dir, st.cred); err != nil {
		return st, err
	}
	backup := st.command(ctx, "pg_basebackup", "-D", st.DataDir(), "-h", s.Dir, "-p", strconv.Itoa(Port), "-U", "postgres",
		"-R", "-X", "stream", "-c", "fast", "--no-sync")
	if out, err := backup.CombinedOutput(); err != nil {
		return st, fmt.Errorf("pg_basebackup failed: %v\n%s", err, out)
	}
	return st, st.run(ctx)
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return out
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.BinDir, exe(name)), args...)
	runAsUser(cmd, s.cred)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// waitReady polls postmaster.pid until the server says it is ready.
func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("the private PostgreSQL exited while starting:\n%s", s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		b, err := os.ReadFile(filepath.Join(s.DataDir(), "postmaster.pid"))
		if err != nil {
			continue
		}
		// "standby": a hot standby that accepts read-only connections.
		lines := strings.Split(string(b), "\n")
		if len(lines) >= 8 && (strings.TrimSpace(lines[7]) == "ready" || strings.TrimSpace(lines[7]) == "standby") {
			return nil
		}
	}
	return fmt.Errorf("the private PostgreSQL did not become ready in 60s:\n%s", s.logTail())
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.LogFile())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// DataDir is the cluster's data directory.
func (s *Server) DataDir() string { return filepath.Join(s.Dir, "data") }

// LogFile is the server's log.
func (s *Server) LogFile() string { return filepath.Join(s.Dir, "postgres.log") }

// URL is a connection URL for the named database.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, s.Dir, Port)
}

// URLAs is URL for the login role user instead of postgres.
func (s *Server) URLAs(user, db string) string {
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", user, db, s.Dir, Port)
}

// StopCommand is the shell command that stops and removes a kept server.
func (s *Server) StopCommand() string {
	pgctl := filepath.Join(s.BinDir, "pg_ctl")
	stop := fmt.Sprintf("%s stop -D %s -m fast", pgctl, s.DataDir())
	if s.cred != nil {
		stop = fmt.Sprintf("runuser -u postgres -- %s", stop)
	}
	return fmt.Sprintf("%s && rm -rf %s", stop, s.Dir)
}

// Close stops the server (fast shutdown) and removes its directory, unless
// it was started with Keep.
func (s *Server) Close() error {
	if s.keep && s.cmd == nil && s.done == nil {
		if _, err := os.Stat(filepath.Join(s.DataDir(), "postmaster.pid")); err == nil {
			return nil
		}
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	return os.RemoveAll(s.Dir)
}

// Discard stops the server and removes its directory, also when it was
// started with Keep (a demo --keep that failed before handing it over).
func (s *Server) Discard() error {
	if s.keep && s.cmd == nil {
		if _, err := os.Stat(filepath.Join(s.DataDir(), "postmaster.pid")); err == nil {
			_ = s.command(context.Background(), "pg_ctl", "stop", "-w", "-D", s.DataDir(), "-m", "fast").Run()
		}
	}
	s.keep = false
	return s.Close()
}

// Running reports whether a postgres process still serves the directory.
func Running(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
	if err != nil {
		return false
	}
	return alive(pid)
}

// initdb creates the cluster of s.DataDir: by initdb, or as a copy of the
// cluster InitdbCache keeps for this installation, made by initdb the first
// time (in a directory of its own, renamed into place when complete, so
// processes starting together never copy half a cluster).
func (s *Server) initdb(ctx context.Context) error {
	run := func(dataDir string) error {
		cmd := s.command(ctx, "initdb", "-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("initdb failed: %v\n%s", err, out)
		}
		return nil
	}
	if InitdbCache == "" {
		return run(s.DataDir())
	}
	key, err := installationKey(s.BinDir)
	if err != nil {
		return err
	}
	cached := filepath.Join(InitdbCache, key)
	if _, err := os.Stat(filepath.Join(cached, "PG_VERSION")); err != nil {
		if err := os.MkdirAll(InitdbCache, 0o755); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(InitdbCache, key+".new-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := chownTo(tmp, s.cred); err != nil {
			return err
		}
		if err := run(filepath.Join(tmp, "data")); err != nil {
			return err
		}
		// Another process may have won the race: its copy is as good.
		if err := os.Rename(filepath.Join(tmp, "data"), cached); err != nil {
			if _, statErr := os.Stat(filepath.Join(cached, "PG_VERSION")); statErr != nil {
				return err
			}
		}
	}
	return copyTree(cached, s.DataDir(), s.cred)
}

// installationKey names the cached cluster of the server binaries in
// bindir: their directory, and the size and time of initdb and postgres, so
// an upgraded package gets a cluster of its own.
func installationKey(bindir string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, bindir)
	for _, b := range []string{"initdb", "postgres"} {
		st, err := os.Stat(filepath.Join(bindir, exe(b)))
		if err != nil {
			return "", err
		}
		fmt.Fprintln(h, b, st.Size(), st.ModTime().UnixNano())
	}
	return "cluster-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// copyTree copies the directory src to dst (which must not exist), keeping
// modes, and gives every copy to cred's user.
func copyTree(src, dst string, cred *runAs) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if err := os.Mkdir(target, info.Mode().Perm()); err != nil {
				return err
			}
			return chownTo(target, cred)
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("copying the cached cluster: %s is not a regular file", path)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		return chownTo(target, cred)
	})
}
