// Package pglocal starts a private PostgreSQL server from the installed
// server binaries in a temporary directory, for `inboxctl demo`, `inboxctl
// bench` and the tests. The server listens on a unix socket only, runs with
// fsync off, and is stopped and removed by Close.
package pglocal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
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
	cred   *syscall.Credential
	cmd    *exec.Cmd
	keep   bool
	done   chan struct{}
	args   []string // the server's settings, which a standby of it shares
}

// ErrNoBinaries is returned when no PostgreSQL server binaries are installed.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (initdb, postgres): install the PostgreSQL server package, e.g. 'apt-get install postgresql' on Debian/Ubuntu or 'brew install postgresql' on macOS, or set INBOXCTL_PG_BINDIR")

// FindBinDir finds the directory of initdb and postgres: $INBOXCTL_PG_BINDIR,
// then PATH, then `pg_config --bindir`, then the newest
// /usr/lib/postgresql/*/bin.
func FindBinDir() (string, error) {
	ok := func(dir string) bool {
		for _, b := range []string{"initdb", "postgres", "pg_ctl"} {
			if st, err := os.Stat(filepath.Join(dir, b)); err != nil || st.IsDir() {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("INBOXCTL_PG_BINDIR"); d != "" {
		if ok(d) {
			return d, nil
		}
		return "", fmt.Errorf("INBOXCTL_PG_BINDIR=%s holds no initdb, postgres and pg_ctl: install the PostgreSQL server package (e.g. 'apt-get install postgresql' on Debian/Ubuntu or 'brew install postgresql' on macOS) and point INBOXCTL_PG_BINDIR at its bin directory, or unset it", d)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if ok(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); ok(d) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if ok(d) {
			return d, nil
		}
	}
	return "", ErrNoBinaries
}

func version(bindir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(bindir)), 64)
	return v
}

// Start creates a cluster in a new temporary directory and starts it.
func Start(ctx context.Context, opts Options) (_ *Server, err error) {
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
		s.cred, err = postgresCredential()
		if err != nil {
			return s, err
		}
		if err := os.Chown(dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return s, err
		}
	}
	initdb := s.command(ctx, "initdb", "-D", s.DataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		return s, fmt.Errorf("initdb failed: %v\n%s", err, out)
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
	// The server dies with this process even when it is killed outright.
	s.cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
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
	if st.cred != nil {
		if err := os.Chown(dir, int(st.cred.Uid), int(st.cred.Gid)); err != nil {
			return st, err
		}
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

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, and there is no 'postgres' OS user to run the private server as (initdb refuses root)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.BinDir, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
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
		_ = s.cmd.Process.Signal(syscall.SIGINT)
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
	return syscall.Kill(pid, 0) == nil
}
