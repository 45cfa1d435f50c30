package store_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func open(t *testing.T, u string) *store.DB { return testdb.Connect(t, u) }

func appliedRows(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM inboxctl_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateIdempotent: the first migrate applies every migration in
// order, the second applies nothing and changes nothing.
func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t, testdb.EmptyURL(t))
	all := store.Migrations()
	if len(all) == 0 {
		t.Fatal("no embedded migrations")
	}
	for i := 1; i < len(all); i++ {
		if all[i].Version <= all[i-1].Version {
			t.Fatalf("migrations out of order: %d after %d", all[i].Version, all[i-1].Version)
		}
	}
	done, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != len(all) {
		t.Fatalf("first migrate applied %d of %d", len(done), len(all))
	}
	again, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("second migrate applied %v", again)
	}
	if n := appliedRows(t, db); n != len(all) {
		t.Fatalf("%d rows in inboxctl_migrations, want %d", n, len(all))
	}
	if err := db.RequireCurrent(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateConcurrent: two migrates started together against one fresh
// database both succeed, and each migration is applied exactly once.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := testdb.EmptyURL(t)
	dbs := []*store.DB{open(t, u), open(t, u), open(t, u)}
	var wg sync.WaitGroup
	applied := make([]int, len(dbs))
	errs := make([]error, len(dbs))
	start := make(chan struct{})
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			done, err := db.Migrate(ctx)
			applied[i], errs[i] = len(done), err
		}()
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range dbs {
		if errs[i] != nil {
			t.Fatalf("migrate %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if want := len(store.Migrations()); total != want || appliedRows(t, dbs[0]) != want {
		t.Fatalf("applied %v (rows %d), want %d in all", applied, appliedRows(t, dbs[0]), want)
	}
}

// TestStatusAndRequireCurrent: an empty database lists every migration as
// pending and is refused with exit 1 and the 'inboxctl db migrate' hint; a
// database missing its last migration lists it as pending.
func TestStatusAndRequireCurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t, testdb.EmptyURL(t))
	ms, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.AppliedAt != nil {
			t.Fatalf("%s applied on an empty database", m.Name)
		}
	}
	err = db.RequireCurrent(ctx)
	if errs.ExitCode(err) != 1 || !strings.Contains(err.Error(), "Run 'inboxctl db migrate' first.") || !strings.Contains(err.Error(), ms[0].Name) {
		t.Fatalf("RequireCurrent on an empty database: %v (exit %d)", err, errs.ExitCode(err))
	}
	// The check itself creates nothing.
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass('inboxctl_migrations') IS NOT NULL`).Scan(&exists); err != nil || exists {
		t.Fatalf("status created the migrations table: %v %v", exists, err)
	}

	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ms, _ = db.Status(ctx)
	for _, m := range ms {
		if m.AppliedAt == nil || m.AppliedAt.IsZero() {
			t.Fatalf("%s pending after migrate", m.Name)
		}
	}
	last := ms[len(ms)-1]
	if _, err := db.Exec(`DELETE FROM inboxctl_migrations WHERE version = $1`, last.Version); err != nil {
		t.Fatal(err)
	}
	ms, _ = db.Status(ctx)
	for _, m := range ms {
		if (m.AppliedAt == nil) != (m.Version == last.Version) {
			t.Fatalf("after forgetting %s: %s applied at %v", last.Name, m.Name, m.AppliedAt)
		}
	}
	err = db.RequireCurrent(ctx)
	if errs.ExitCode(err) != 1 || !strings.Contains(err.Error(), "1 pending migration(s) ("+last.Name+")") {
		t.Fatalf("one pending: %v", err)
	}
}

// TestOpenFromPGEnv: an empty database URL connects with libpq's PG*
// variables.
func TestOpenFromPGEnv(t *testing.T) {
	u, err := url.Parse(testdb.URL(t))
	if err != nil || u.Scheme == "" {
		t.Fatalf("test database URL is not a URL: %v", err)
	}
	q := u.Query()
	host, port := u.Hostname(), u.Port()
	if h := q.Get("host"); h != "" {
		host = h
	}
	if p := q.Get("port"); p != "" {
		port = p
	}
	t.Setenv("PGHOST", host)
	t.Setenv("PGPORT", port)
	t.Setenv("PGUSER", u.User.Username())
	pw, _ := u.User.Password()
	t.Setenv("PGPASSWORD", pw)
	t.Setenv("PGDATABASE", strings.TrimPrefix(u.Path, "/"))
	if m := q.Get("sslmode"); m != "" {
		t.Setenv("PGSSLMODE", m)
	}
	db := open(t, "")
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil || name != strings.TrimPrefix(u.Path, "/") {
		t.Fatalf("connected to %q (%v), want %q", name, err, u.Path)
	}
	if err := db.RequireCurrent(context.Background()); err != nil {
		t.Fatal(err)
	}
}
