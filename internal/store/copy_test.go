package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// A COPY cancelled mid-stream (Ctrl-C during an import or a bulk mark)
// ends: it is reported as an interruption (exit 130), the transaction rolls back and the
// connection is usable or discarded, never stuck (store.InCopyTx, as
// import and check use it). Begun with the caller's
// context, database/sql's own ROLLBACK raced lib/pq's COPY reader and hung
// now and then; a hundred rounds catch that.
func TestCopyCancelledMidStreamEnds(t *testing.T) {
	db := testdb.Open(t)
	for round := 0; round < 100; round++ {
		done := make(chan error, 1)
		go func() { done <- cancelledCopy(db, round) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("round %d: a cancelled COPY did not end", round)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND datname = current_database()`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d sessions left idle in a transaction (%v)", n, err)
	}
}

func cancelledCopy(db *store.DB, round int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelAt := 1000 + round*137
	err := db.InCopyTx(ctx, nil, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE copy_probe (n bigint, s text) ON COMMIT DROP`); err != nil {
			return err
		}
		return store.Copy(ctx, tx, "copy_probe", []string{"n", "s"}, func(row func(...any) error) error {
			for i := 0; ; i++ {
				if i == cancelAt {
					go cancel() // as the signal handler does, from another goroutine
				}
				if err := row(int64(i), "some text to stream"); err != nil {
					return err
				}
			}
		})
	})
	if errs.ExitCode(err) != errs.Interrupted {
		return fmt.Errorf("the COPY did not stop with the cancellation: %v", err)
	}
	return nil
}
