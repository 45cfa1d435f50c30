package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// probeDB is a fresh database with a two-row table the retry tests write.
func probeDB(t *testing.T) *store.DB {
	t.Helper()
	db := testdb.Open(t)
	if _, err := db.Exec(`CREATE TABLE retry_probe (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);
		INSERT INTO retry_probe (id) VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func probe(t *testing.T, db *store.DB) (n1, n2 int) {
	t.Helper()
	if err := db.QueryRow(`SELECT (SELECT n FROM retry_probe WHERE id = 1), (SELECT n FROM retry_probe WHERE id = 2)`).Scan(&n1, &n2); err != nil {
		t.Fatal(err)
	}
	return n1, n2
}

// TestInTxRetriesTransientFailures: a body whose first attempt dies of a
// serialization failure, a deadlock or a lock timeout — returned by the
// driver from the server, or built in Go and wrapped — is run again whole;
// the caller sees success and exactly the last attempt's writes.
func TestInTxRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	db := probeDB(t)
	raised := func(code string) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.Exec(fmt.Sprintf(`DO $$ BEGIN RAISE EXCEPTION 'transient' USING ERRCODE = '%s'; END $$`, code))
			return err
		}
	}
	built := func(code string) func(tx *sql.Tx) error {
		return func(*sql.Tx) error {
			return fmt.Errorf("apply: %w", &pq.Error{Severity: "ERROR", Code: pqerror.Code(code), Message: "transient"})
		}
	}
	cases := []struct {
		name string
		fail func(tx *sql.Tx) error
	}{
		{"serialization failure from the server", raised("40001")},
		{"deadlock from the server", raised("40P01")},
		{"lock timeout from the server", raised("55P03")},
		{"serialization failure built in Go", built("40001")},
		{"deadlock built in Go", built("40P01")},
	}
	for i, c := range cases {
		var attempts int
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			attempts++
			if _, err := tx.Exec(`UPDATE retry_probe SET n = n + 1 WHERE id = 1`); err != nil {
				return err
			}
			if attempts == 1 {
				return c.fail(tx)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: the caller got %v", c.name, err)
		}
		if attempts != 2 {
			t.Fatalf("%s: %d attempts, want 2", c.name, attempts)
		}
		// The failed attempt's update was rolled back: one increment per case.
		if n1, _ := probe(t, db); n1 != i+1 {
			t.Fatalf("%s: n = %d after %d cases, want %d", c.name, n1, i+1, i+1)
		}
	}
}

// TestInTxDoesNotRetryOtherErrors: any other failure is the caller's after
// one attempt, and nothing of it is kept.
func TestInTxDoesNotRetryOtherErrors(t *testing.T) {
	t.Parallel()
	db := probeDB(t)
	for _, body := range []func(tx *sql.Tx) error{
		func(tx *sql.Tx) error { return errors.New("not transient") },
		func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO retry_probe (id) VALUES (1)`) // unique violation
			return err
		},
	} {
		var attempts int
		err := db.InTx(context.Background(), func(tx *sql.Tx) error {
			attempts++
			if _, err := tx.Exec(`UPDATE retry_probe SET n = n + 1 WHERE id = 2`); err != nil {
				return err
			}
			return body(tx)
		})
		if err == nil || attempts != 1 {
			t.Fatalf("got %v after %d attempts, want an error after 1", err, attempts)
		}
	}
	if _, n2 := probe(t, db); n2 != 0 {
		t.Fatalf("n = %d: a failed transaction kept its write", n2)
	}
}

// TestInTxGivesUpAfterMaxAttempts: a failure that never clears is retried
// MaxAttempts times, then reaches the caller as one sentence (exit 1), not
// as a driver error.
func TestInTxGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	db := probeDB(t)
	var attempts int
	err := db.InTx(context.Background(), func(tx *sql.Tx) error {
		attempts++
		_, err := tx.Exec(`DO $$ BEGIN RAISE EXCEPTION 'always' USING ERRCODE = '40001'; END $$`)
		return err
	})
	if attempts != store.MaxAttempts {
		t.Fatalf("%d attempts, want %d", attempts, store.MaxAttempts)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Unexpected || !strings.Contains(e.Msg, "concurrent work") || pq.As(err) != nil {
		t.Fatalf("got %#v, want the translated sentence", err)
	}
}

// TestInTxRetriesARealDeadlock: two transactions lock two rows in opposite
// order, so PostgreSQL kills one of them with 40P01. Both callers see
// success: the victim was run again after the other committed, and both
// transactions' writes are there, once each.
func TestInTxRetriesARealDeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := probeDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	var deadlocks atomic.Int32
	var attempts atomic.Int32
	// body locks first, then (once the other transaction holds second)
	// second; only the first attempt waits for the other.
	body := func(first, second int, mine chan struct{}, theirs <-chan struct{}) func(tx *sql.Tx) error {
		var once sync.Once
		return func(tx *sql.Tx) error {
			attempts.Add(1)
			if _, err := tx.Exec(`UPDATE retry_probe SET n = n + 1 WHERE id = $1`, first); err != nil {
				return err
			}
			once.Do(func() { close(mine) })
			select {
			case <-theirs:
			case <-time.After(30 * time.Second):
				return errors.New("the other transaction never locked its first row")
			}
			_, err := tx.Exec(`UPDATE retry_probe SET n = n + 1 WHERE id = $1`, second)
			if pq.As(err, "40P01") != nil {
				deadlocks.Add(1)
			}
			return err
		}
	}
	aLocked, bLocked := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	var errA, errB error
	wg.Add(2)
	go func() {
		defer wg.Done()
		errA = db.InTx(ctx, body(1, 2, aLocked, bLocked))
	}()
	go func() {
		defer wg.Done()
		// The session form of InTx (what spam mark and unmark use).
		errB = db.InTxConn(ctx, conn, body(2, 1, bLocked, aLocked))
	}()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("a caller saw the deadlock: %v, %v", errA, errB)
	}
	// Usually one deadlock. On a loaded machine the victim's retry can
	// take its first row again before the woken winner has re-read and
	// locked it (a row lock is not handed over on abort), and the two
	// deadlock once more; each deadlock costs exactly one more attempt.
	d := deadlocks.Load()
	if d < 1 {
		t.Fatalf("%d deadlocks, want at least 1", d)
	}
	if a := attempts.Load(); a != 2+d {
		t.Fatalf("%d attempts after %d deadlocks, want %d (one more per deadlock)", a, d, 2+d)
	}
	if n1, n2 := probe(t, db); n1 != 2 || n2 != 2 {
		t.Fatalf("rows hold %d and %d, want 2 and 2", n1, n2)
	}
}
