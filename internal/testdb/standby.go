package testdb

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/store"
)

// The replicated pair: a private primary of its own (set up for
// replication, whatever INBOXCTL_TEST_DATABASE_URL says) and a hot standby
// made of it with pg_basebackup -R, started on first use and stopped with
// the test server. Its own primary keeps the other tests' databases from
// streaming to a standby that only a few tests read.
var (
	pairOnce     sync.Once
	pairErr      error
	pairPrimary  *pglocal.Server
	pairStandby  *pglocal.Server
	pairAdmin    *store.DB
	pairTemplate = "inboxctl_pair_tmpl"
)

// Replicated is one fresh migrated database on a primary, and the same
// database read on a hot standby of it.
type Replicated struct {
	Primary string // URL on the primary (the schema owner, a superuser)
	Standby string // URL of the same database on the standby
	// Base URLs of the maintenance database of each server.
	PrimaryBase, StandbyBase string
}

// Replica creates a fresh migrated database on the replicated pair's
// primary and waits until the standby has replayed it. It is dropped when
// the test passes.
func Replica(t testing.TB) Replicated {
	t.Helper()
	pairOnce.Do(func() { pairErr = startPair(context.Background()) })
	if pairErr != nil {
		t.Fatalf("start a primary and its hot standby: %v", pairErr)
	}
	name := fmt.Sprintf("r_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	if _, err := pairAdmin.ExecContext(context.Background(), fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", name, pairTemplate)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	r := Replicated{
		Primary: pairPrimary.URL(name), Standby: pairStandby.URL(name),
		PrimaryBase: pairPrimary.URL("postgres"), StandbyBase: pairStandby.URL("postgres"),
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kept database %s for inspection: %s (standby %s)", name, r.Primary, r.Standby)
			return
		}
		pairAdmin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	r.WaitReplay(t)
	return r
}

// WaitReplay waits until the standby has replayed everything the primary
// has written so far: pg_last_wal_replay_lsn reaches the primary's
// pg_current_wal_insert_lsn. The write position (pg_current_wal_lsn) is not
// enough: the private servers run with synchronous_commit=off, so a commit
// that has returned may still sit in the WAL buffers, past that position.
func (r Replicated) WaitReplay(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	var target string
	if err := pairAdmin.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&target); err != nil {
		t.Fatalf("primary's WAL position: %v", err)
	}
	standby, err := store.Open(ctx, r.StandbyBase)
	if err != nil {
		t.Fatal(err)
	}
	defer standby.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done bool
		if err := standby.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, target).Scan(&done); err != nil {
			t.Fatalf("standby's replay position: %v", err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby did not replay the primary's WAL up to %s within 30 s", target)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startPair(ctx context.Context) error {
	var err error
	if pairPrimary, err = pglocal.Start(ctx, pglocal.Options{Replication: true}); err != nil {
		return err
	}
	if pairAdmin, err = store.Open(ctx, pairPrimary.URL("postgres")); err != nil {
		return err
	}
	if _, err := pairAdmin.ExecContext(ctx, "CREATE DATABASE "+pairTemplate); err != nil {
		return err
	}
	tdb, err := store.Open(ctx, pairPrimary.URL(pairTemplate))
	if err != nil {
		return err
	}
	defer tdb.Close()
	if _, err := tdb.Migrate(ctx); err != nil {
		return err
	}
	pairStandby, err = pairPrimary.StartStandby(ctx)
	return err
}

func stopPair() {
	if pairAdmin != nil {
		pairAdmin.Close()
	}
	if pairStandby != nil {
		pairStandby.Close()
	}
	if pairPrimary != nil {
		pairPrimary.Close()
	}
}
