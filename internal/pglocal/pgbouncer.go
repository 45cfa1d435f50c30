package pglocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// PoolerPort names the pooler's socket file in its own directory.
const PoolerPort = 6432

// Upstream is the server a pooler forwards to: a socket directory or a
// host name, its port, and the role to log in as.
type Upstream struct {
	Host     string
	Port     int
	User     string
	Password string
}

// Upstream is s seen by a pooler: its socket, as the postgres role.
func (s *Server) Upstream() Upstream {
	return Upstream{Host: s.Dir, Port: Port, User: "postgres"}
}

// PoolerOptions tune a pooler.
type PoolerOptions struct {
	// PoolSize is the number of server connections per database and user
	// (default_pool_size); clients beyond it wait for one.
	PoolSize int
}

// Pooler is a private pgbouncer in pool_mode=transaction in front of one
// server: every database of the server, every client sharing PoolSize
// server sessions per database. It listens on a unix socket only.
type Pooler struct {
	Dir  string // temporary directory holding the config, the socket and the log
	cmd  *exec.Cmd
	done chan struct{}
}

// ErrNoPgbouncer is returned when pgbouncer is not installed.
var ErrNoPgbouncer = errors.New("pgbouncer is not installed: install it, e.g. 'apt-get install pgbouncer' on Debian/Ubuntu, or set INBOXCTL_PGBOUNCER to its path")

// FindPgbouncer finds the pgbouncer binary: $INBOXCTL_PGBOUNCER, then PATH,
// then /usr/sbin (where Debian puts it, off a normal user's PATH).
func FindPgbouncer() (string, error) {
	if p := os.Getenv("INBOXCTL_PGBOUNCER"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer", "/usr/local/bin/pgbouncer"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNoPgbouncer
}

// StartPooler starts a pgbouncer in transaction mode in front of up, in a
// new temporary directory. Like the server, it runs as the postgres OS user
// when this process is root (pgbouncer refuses root), and dies with this
// process.
func StartPooler(ctx context.Context, up Upstream, opts PoolerOptions) (_ *Pooler, err error) {
	bin, err := FindPgbouncer()
	if err != nil {
		return nil, err
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = 4
	}
	dir, err := os.MkdirTemp("", "inboxctl-pgbouncer-")
	if err != nil {
		return nil, err
	}
	p := &Pooler{Dir: dir}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	var cred *runAs
	if os.Geteuid() == 0 {
		if cred, err = postgresUser(dir); err != nil {
			return p, err
		}
	}
	conninfo := fmt.Sprintf("host=%s port=%d user=%s", up.Host, up.Port, up.User)
	if up.Password != "" {
		conninfo += " password=" + up.Password
	}
	config := strings.Join([]string{
		"[databases]",
		"* = " + conninfo,
		"[pgbouncer]",
		"listen_addr =",
		"listen_port = " + strconv.Itoa(PoolerPort),
		"unix_socket_dir = " + dir,
		"auth_type = trust",
		"auth_file = " + filepath.Join(dir, "userlist.txt"),
		"pool_mode = transaction",
		"default_pool_size = " + strconv.Itoa(opts.PoolSize),
		"max_client_conn = 500",
		"logfile = " + p.LogFile(),
		"",
	}, "\n")
	files := map[string]string{
		"pgbouncer.ini": config,
		"userlist.txt":  fmt.Sprintf("%q \"\"\n", up.User),
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return p, err
		}
		if err := chownTo(path, cred); err != nil {
			return p, err
		}
	}
	p.cmd = exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	p.cmd.Dir = dir
	runAsUser(p.cmd, cred)
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return p, err
	}
	p.done = make(chan struct{})
	go func() { p.cmd.Wait(); close(p.done) }()
	return p, p.waitReady(ctx)
}

// waitReady waits until the pooler accepts connections on its socket.
func (p *Pooler) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("pgbouncer exited while starting:\n%s", p.LogTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if c, err := net.Dial("unix", p.socket()); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("pgbouncer did not accept connections in 30s:\n%s", p.LogTail())
}

func (p *Pooler) socket() string {
	return filepath.Join(p.Dir, fmt.Sprintf(".s.PGSQL.%d", PoolerPort))
}

// LogFile is pgbouncer's log.
func (p *Pooler) LogFile() string { return filepath.Join(p.Dir, "pgbouncer.log") }

// LogTail is the end of pgbouncer's log, for a failure's message.
func (p *Pooler) LogTail() string {
	b, _ := os.ReadFile(p.LogFile())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Running reports whether pgbouncer is still running (it exits on a FATAL).
func (p *Pooler) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return p.done != nil
	}
}

// Host and Port are where clients connect: the socket directory and port.
func (p *Pooler) Host() string { return p.Dir }

// Port is the pooler's port (it names the socket file).
func (p *Pooler) Port() int { return PoolerPort }

// Close stops pgbouncer (immediate shutdown) and removes its directory.
func (p *Pooler) Close() error {
	if p.cmd != nil && p.cmd.Process != nil && p.done != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	return os.RemoveAll(p.Dir)
}

// URL is a connection URL for the named database through the pooler.
func (p *Pooler) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, p.Dir, PoolerPort)
}
