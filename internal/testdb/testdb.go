// Package testdb gives tests a real PostgreSQL: a private server started
// once per test binary (or INBOXCTL_TEST_DATABASE_URL), one template
// database named by a hash of the migrations and migrated once per server,
// and a fresh clone of it per test. A failed
// test's database is kept and its name logged.
package testdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/store"
)

var (
	baseURL  string
	admin    *store.DB
	template string
	server   *pglocal.Server
	counter  atomic.Int64
	createMu sync.Mutex

	teardownOnce sync.Once
)

// Main runs m with a database server available; use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
//
// An interrupted run (SIGINT, SIGTERM) stops the private server and removes
// its directory before dying of the signal: the server would die with this
// process anyway (Pdeathsig), but its directory would stay in $TMPDIR.
func Main(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	setupDone := make(chan struct{})
	go func() {
		sig := (<-sigs).(syscall.Signal)
		cancel() // a server still starting removes its own directory
		<-setupDone
		stopCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		teardown(stopCtx, false)
		if server != nil {
			fmt.Fprintf(os.Stderr, "testdb: %v: stopped the private server and removed %s\n", sig, server.Dir)
		}
		signal.Reset(sig)
		if self, err := os.FindProcess(os.Getpid()); err == nil {
			_ = self.Signal(sig)
		}
		time.Sleep(time.Second)
		os.Exit(128 + int(sig))
	}()
	err := setup(ctx)
	close(setupDone)
	if err != nil {
		if ctx.Err() != nil {
			select {} // interrupted while starting: the handler ends the process
		}
		fmt.Fprintln(os.Stderr, "testdb:", err)
		teardown(context.Background(), false)
		return 1
	}
	code := m.Run()
	teardown(context.Background(), code != 0)
	return code
}

func setup(ctx context.Context) error {
	// Every private server of the tests (this binary's, and the pairs,
	// standbys and bench runs its tests start) copies one cached cluster
	// instead of running initdb, kept across runs like the build cache.
	pglocal.InitdbCache = filepath.Join(os.TempDir(), fmt.Sprintf("inboxctl-test-clusters-%d", os.Getuid()))
	baseURL = os.Getenv("INBOXCTL_TEST_DATABASE_URL")
	if baseURL == "" {
		var err error
		// A server only the tests use: no WAL for replication (the
		// replicated pair has its own primary) and no autovacuum (each
		// test's database lives seconds; the plan tests ANALYZE what they
		// read). About a tenth less CPU for the suite.
		server, err = pglocal.Start(ctx, pglocal.Options{Settings: map[string]string{
			"wal_level": "minimal", "max_wal_senders": "0", "autovacuum": "off"}})
		if err != nil {
			return err
		}
		baseURL = server.URL("postgres")
	}
	var err error
	admin, err = store.Open(ctx, baseURL)
	if err != nil {
		return err
	}
	template = templateName()
	return ensureTemplate(ctx)
}

// templateName names the template by a hash of the migrations, as pgtestdb
// does: every test binary and every run on the same server shares one
// template while the migrations stay the same, and a changed migration gets
// a template of its own.
func templateName() string {
	h := sha256.New()
	for _, m := range store.Migrations() {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Name, m.SQL)
	}
	return "inboxctl_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
}

// ensureTemplate builds the template unless the server has it, under a
// session advisory lock so that test binaries started together build it
// once. It is built under another name and renamed when migrated, so a
// database named template is always complete (a builder killed half-way
// leaves only the other name, dropped by the next builder).
func ensureTemplate(ctx context.Context) error {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, template); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext($1))`, template)
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := template + "_building"
	for _, q := range []string{"DROP DATABASE IF EXISTS " + building + " WITH (FORCE)", "CREATE DATABASE " + building} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	tdb, err := store.Open(ctx, WithDB(baseURL, building))
	if err != nil {
		return err
	}
	_, err = tdb.Migrate(ctx)
	tdb.Close()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+template)
	return err
}

// teardown stops the private server, once: after
// m.Run or on a signal, whichever comes first (the other waits for it).
func teardown(ctx context.Context, failed bool) {
	teardownOnce.Do(func() { dropAndStop(ctx, failed) })
}

func dropAndStop(ctx context.Context, failed bool) {
	stopPooler()
	stopPair()
	if admin != nil {
		// The template stays: the next test binary or run on this server
		// reuses it (a private server goes with its directory).
		admin.Close()
	}
	if server != nil {
		if failed && os.Getenv("INBOXCTL_TEST_KEEP") != "" {
			fmt.Fprintf(os.Stderr, "testdb: kept the server in %s (%s)\n", server.Dir, server.URL("postgres"))
			return
		}
		server.Close()
	}
}

// WithDB returns the URL u pointing at database name.
func WithDB(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" {
		// key=value form
		return u + " dbname=" + name
	}
	parsed.Path = "/" + name
	return parsed.String()
}

// URL creates a fresh migrated database for the test and returns its URL.
// It is dropped when the test passes and kept (and named) when it fails.
func URL(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	createMu.Lock()
	_, err := admin.ExecContext(context.Background(), fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", name, template))
	createMu.Unlock()
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u := WithDB(baseURL, name)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kept database %s for inspection: %s (set INBOXCTL_TEST_KEEP=1 to keep the private server too)", name, u)
			return
		}
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return u
}

// Open creates a fresh database for the test and connects to it.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return Connect(t, URL(t))
}

// Connect opens a connection pool to u for the test, closed when it ends.
func Connect(t testing.TB, u string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Admin is a connection to the server's maintenance database, for tests
// that must act on other sessions (pg_terminate_backend).
func Admin() *store.DB { return admin }

// BaseURL is the server's maintenance database URL.
func BaseURL() string { return baseURL }

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 30 {
			break
		}
	}
	return b.String()
}

// EmptyURL creates a fresh database with no migrations applied.
func EmptyURL(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("e_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
	})
	return WithDB(baseURL, name)
}
