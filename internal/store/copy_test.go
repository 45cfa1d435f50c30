package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// A COPY cancelled mid-stream (Ctrl-C during an import or a bulk mark)
// ends: Copy returns the cancellation, the transaction rolls back and the
// connection is usable or discarded, never stuck. Begun with the caller's
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
	if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d sessions left idle in a transaction (%v)", n, err)
	}
}

func cancelledCopy(db *store.DB, round int) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := store.BeginCopyTx(ctx, conn, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE copy_probe (n bigint, s text) ON COMMIT DROP`); err != nil {
		return err
	}
	cancelAt := 1000 + round*137
	err = store.Copy(ctx, tx, "copy_probe", []string{"n", "s"}, func(row func(...any) error) error {
		for i := 0; ; i++ {
			if i == cancelAt {
				go cancel() // as the signal handler does, from another goroutine
			}
			if err := row(int64(i), "some text to stream"); err != nil {
				return err
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		return errors.New("the COPY did not stop with the cancellation: " + errString(err))
	}
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
