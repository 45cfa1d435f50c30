package reliability

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// refsFile writes the phones of demo users 1..n, one a line.
func refsFile(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# reported spammers\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintln(&b, seed.Phone(i))
	}
	path := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// holdRow locks user id's row in a transaction of its own until release.
func holdRow(t *testing.T, d demo, id int64) (release func()) {
	t.Helper()
	tx, err := d.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return func() { tx.Rollback() }
}

// inboxctlBackends lists the pids of the binary's backends in the demo
// database that match cond (a pg_stat_activity condition).
func inboxctlBackends(t *testing.T, d demo, cond string) []int {
	t.Helper()
	rows, err := testdb.Admin().Query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'inboxctl' AND `+cond, d.dbName(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		rows.Scan(&pid)
		pids = append(pids, pid)
	}
	return pids
}

// nothingChanged fails unless no mark left a trace.
func nothingChanged(t *testing.T, d demo) {
	t.Helper()
	if n := d.count(t, `SELECT count(*) FROM users WHERE spam`) + d.count(t, `SELECT count(*) FROM chats WHERE folder = 'spam'`) +
		d.count(t, `SELECT count(*) FROM chat_events`) + d.count(t, `SELECT count(*) FROM spam_batches`); n != 0 {
		t.Fatalf("a failed mark left %d rows behind", n)
	}
	d.invariants(t)
}

// startMark starts `spam mark -f FILE --yes` through the binary.
func startMark(t *testing.T, d demo, file string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := command(t, d.env("INBOXCTL_AGENT="+seed.Owner), "spam", "mark", "-f", file, "--yes", "--reason", "bulk")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out, &errb
}

func wait(t *testing.T, cmd *exec.Cmd, out, errb *bytes.Buffer) result {
	t.Helper()
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// rerunCompletes runs the same mark again: it must mark all n users.
func rerunCompletes(t *testing.T, d demo, file string, n int) {
	t.Helper()
	r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", "-f", file, "--yes", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, fmt.Sprintf(`"changed": %d`, n)) {
		t.Fatalf("the rerun did not complete:\n%s", r)
	}
	if got := d.count(t, `SELECT count(*) FROM users WHERE spam`); got != n {
		t.Fatalf("%d users spam after the rerun, want %d", got, n)
	}
	d.invariants(t)
}

// TestBulkMarkBackendTerminated: the binary's backend is terminated
// (pg_terminate_backend) while its bulk mark waits on a row lock: exit 1,
// one sentence, nothing changed; running it again completes.
func TestBulkMarkBackendTerminated(t *testing.T) {
	t.Parallel()
	const n = 2000
	d := newDemo(t, n)
	file := refsFile(t, n)
	release := holdRow(t, d, 1500)
	cmd, out, errb := startMark(t, d, file)
	waitFor(t, 60*time.Second, "the mark to wait on the lock", func() bool {
		return len(inboxctlBackends(t, d, `wait_event_type = 'Lock'`)) > 0
	})
	for _, pid := range inboxctlBackends(t, d, `wait_event_type = 'Lock'`) {
		testdb.Admin().Exec(`SELECT pg_terminate_backend($1)`, pid)
	}
	r := wait(t, cmd, out, errb)
	if r.Code != 1 || !strings.Contains(r.Stderr, "nothing was changed") {
		t.Fatalf("want exit 1 and 'nothing was changed':\n%s", r)
	}
	t.Logf("terminated: %s", r.Stderr)
	oneSentence(t, r)
	release()
	nothingChanged(t, d)
	rerunCompletes(t, d, file, n)
}

// TestBulkMarkTerminatedWhileRunning terminates the binary's backends as
// soon as they are seen working, with no lock to wait for: whenever the
// blow lands, the mark is all or nothing, and a rerun completes.
func TestBulkMarkTerminatedWhileRunning(t *testing.T) {
	t.Parallel()
	const n = 5000
	d := newDemo(t, n)
	file := refsFile(t, n)
	cmd, out, errb := startMark(t, d, file)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			for _, pid := range inboxctlBackends(t, d, `state = 'active' AND query LIKE '%spam_re%'`) {
				testdb.Admin().Exec(`SELECT pg_terminate_backend($1)`, pid)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	r := wait(t, cmd, out, errb)
	close(done)
	switch spamUsers := d.count(t, `SELECT count(*) FROM users WHERE spam`); {
	case r.Code == 0 && spamUsers == n:
		t.Log("the mark committed before a backend was terminated")
	case r.Code == 1 && spamUsers == 0:
		t.Logf("terminated: %s", r.Stderr)
		oneSentence(t, r)
		nothingChanged(t, d)
		rerunCompletes(t, d, file, n)
	default:
		t.Fatalf("%d of %d users marked after:\n%s", spamUsers, n, r)
	}
	d.invariants(t)
}

// TestBulkMarkInterrupted: SIGINT (Ctrl-C) while the mark waits on a lock:
// exit 130, one sentence, nothing changed; running it again completes.
func TestBulkMarkInterrupted(t *testing.T) {
	t.Parallel()
	const n = 2000
	d := newDemo(t, n)
	file := refsFile(t, n)
	release := holdRow(t, d, 1999)
	cmd, out, errb := startMark(t, d, file)
	waitFor(t, 60*time.Second, "the mark to wait on the lock", func() bool {
		return len(inboxctlBackends(t, d, `wait_event_type = 'Lock'`)) > 0
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	r := wait(t, cmd, out, errb)
	if r.Code != 130 || !strings.Contains(r.Stderr, "Interrupted") || !strings.Contains(r.Stderr, "nothing was changed") {
		t.Fatalf("want exit 130 and 'Interrupted ... nothing was changed':\n%s", r)
	}
	oneSentence(t, r)
	// The cancelled statement leaves no backend waiting behind it.
	waitFor(t, 10*time.Second, "the backend to stop waiting", func() bool {
		return len(inboxctlBackends(t, d, `wait_event_type = 'Lock'`)) == 0
	})
	release()
	nothingChanged(t, d)
	rerunCompletes(t, d, file, n)
}

// TestBulkMarkInterruptedWhileRunning sends SIGINT as soon as the binary's
// backend is seen working: all or nothing, exit 0 or 130.
func TestBulkMarkInterruptedWhileRunning(t *testing.T) {
	t.Parallel()
	const n = 5000
	d := newDemo(t, n)
	file := refsFile(t, n)
	cmd, out, errb := startMark(t, d, file)
	var exited atomic.Bool
	go func() {
		for !exited.Load() {
			if len(inboxctlBackends(t, d, `state = 'active' AND query LIKE '%spam_re%'`)) > 0 {
				cmd.Process.Signal(os.Interrupt)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	r := wait(t, cmd, out, errb)
	exited.Store(true)
	switch spamUsers := d.count(t, `SELECT count(*) FROM users WHERE spam`); {
	case r.Code == 0 && spamUsers == n:
		t.Log("the mark committed before the interrupt")
	case r.Code == 130 && spamUsers == 0:
		t.Logf("interrupted: %s", r.Stderr)
		oneSentence(t, r)
		nothingChanged(t, d)
		rerunCompletes(t, d, file, n)
	default:
		t.Fatalf("%d of %d users marked after:\n%s", spamUsers, n, r)
	}
}

// TestServerUnreachable: a closed port, a dead unix socket, a missing
// socket directory and a server that accepts but never answers each give a
// clear exit-1 sentence within the connect timeout, without the password.
func TestServerUnreachable(t *testing.T) {
	t.Parallel()
	const pw = "Sup3r-s3cret"
	closed := testdb.RefusedAddr(t)
	deadSocket := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(deadSocket, ".s.PGSQL.5432"))
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(filepath.Join(deadSocket, ".s.PGSQL.5432")); err != nil {
		t.Fatal("the dead socket file is gone:", err)
	}
	silent := testdb.SilentServer(t)
	cases := []struct {
		name, url, want string
		env             []string
	}{
		{"closed port", "postgres://bob:" + pw + "@" + closed + "/app?sslmode=disable&connect_timeout=3", "connection refused", nil},
		{"dead unix socket", "postgres://bob:" + pw + "@/app?host=" + deadSocket + "&connect_timeout=3", "connection refused", nil},
		{"no socket", "host=" + filepath.Join(deadSocket, "nowhere") + " user=bob password=" + pw + " dbname=app connect_timeout=3", "no such file or directory", nil},
		{"silent server", "postgres://bob:" + pw + "@" + silent + "/app?sslmode=disable&connect_timeout=2", "no answer within the connect timeout", nil},
		{"silent server, PGCONNECT_TIMEOUT", "postgres://bob:" + pw + "@" + silent + "/app?sslmode=disable", "no answer within the connect timeout", []string{"PGCONNECT_TIMEOUT=1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := run(t, append([]string{"INBOXCTL_DATABASE_URL=" + c.url, "INBOXCTL_AGENT=owner@demo.test"}, c.env...), nil, "spam", "list")
			took := time.Since(start)
			if r.Code != 1 || !strings.Contains(r.Stderr, "Cannot connect to the database") || !strings.Contains(r.Stderr, c.want) {
				t.Fatalf("want exit 1, 'Cannot connect ... %s':\n%s", c.want, r)
			}
			oneSentence(t, r, pw)
			// Bounded by the connect timeout (plus process start and slack).
			if took > 10*time.Second {
				t.Fatalf("took %v, the connect timeout is at most 3s", took)
			}
		})
	}
}

// TestLockTimeoutRetries drives store.InTx against a row another
// transaction holds: every attempt waits lock_timeout, 55P03 is retried
// MaxAttempts times with backoff, then the error is one clear sentence
// (exit 1); when the holder lets go during the retries, it succeeds.
func TestLockTimeoutRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDemo(t, 10)
	d.db.LockTimeout = 50 * time.Millisecond
	lockRow := func(tx *sql.Tx) error {
		var id int64
		return tx.QueryRowContext(ctx, `SELECT id FROM users WHERE id = 3 FOR UPDATE`).Scan(&id)
	}

	release := holdRow(t, d, 3)
	attempts := 0
	err := d.db.InTx(ctx, func(tx *sql.Tx) error {
		attempts++
		var lt string
		tx.QueryRowContext(ctx, `SHOW lock_timeout`).Scan(&lt)
		if lt != "50ms" {
			t.Errorf("lock_timeout is %q in the transaction, want 50ms", lt)
		}
		return lockRow(tx)
	})
	if attempts != store.MaxAttempts {
		t.Fatalf("%d attempts, want %d", attempts, store.MaxAttempts)
	}
	if errs.ExitCode(err) != errs.Unexpected || !strings.Contains(err.Error(), "lock timeout") || strings.Contains(err.Error(), "pq:") {
		t.Fatalf("want one clear exit-1 sentence about the lock timeout, got %v", err)
	}

	attempts = 0
	err = d.db.InTx(ctx, func(tx *sql.Tx) error {
		attempts++
		if attempts == 3 {
			release()
		}
		return lockRow(tx)
	})
	if err != nil || attempts != 3 {
		t.Fatalf("after the release: %d attempts, %v", attempts, err)
	}
}

// TestBulkMarkLockTimeout: a bulk mark blocked by another transaction's row
// lock fails clearly after its bounded retries and changes nothing; when the
// lock is released between two of its attempts, it completes.
func TestBulkMarkLockTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n = 300
	d := newDemo(t, n)
	d.db.LockTimeout = 100 * time.Millisecond
	refs := make([]string, n)
	for i := range refs {
		refs[i] = seed.Phone(i + 1)
	}
	release := holdRow(t, d, 200)
	_, err := spam.Mark(ctx, d.db, d.owner, spam.Request{Refs: refs})
	if errs.ExitCode(err) != errs.Unexpected || !strings.Contains(err.Error(), "lock timeout") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("want a clear lock-timeout error, got %v", err)
	}
	release()
	nothingChanged(t, d)

	// Hold the lock again; let go once two different attempts of the mark
	// (savepoints of its transaction, each its own locking statement) have
	// been seen waiting on it.
	release = holdRow(t, d, 200)
	done := make(chan error, 1)
	go func() {
		_, err := spam.Mark(ctx, d.db, d.owner, spam.Request{Refs: refs})
		done <- err
	}()
	seen := map[string]bool{}
	waitFor(t, 30*time.Second, "two attempts waiting on the lock", func() bool {
		rows, err := testdb.Admin().Query(`SELECT query_start::text FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, d.dbName(t))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			rows.Scan(&s)
			seen[s] = true
		}
		return len(seen) >= 2
	})
	release()
	if err := <-done; err != nil {
		t.Fatalf("the mark failed although the lock was released during its retries: %v", err)
	}
	if got := d.count(t, `SELECT count(*) FROM users WHERE spam`); got != n {
		t.Fatalf("%d users marked, want %d", got, n)
	}
	d.invariants(t)
}

// TestDatabaseRefusalsAreOneSentence: a constraint violation and a full
// disk, raised by the server in the middle of a bulk mark, reach the user
// as one sentence with exit 1, and nothing is changed.
func TestDatabaseRefusalsAreOneSentence(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, setup, want string }{
		{"check constraint", `ALTER TABLE chats ADD CONSTRAINT rel_never_spam CHECK (folder <> 'spam') NOT VALID`,
			`The database refused the change (new row for relation "chats" violates check constraint "rel_never_spam"); nothing was changed.`},
		{"disk full", `CREATE FUNCTION rel_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device' USING ERRCODE = 'disk_full'; END $$;
			CREATE TRIGGER rel_disk_full BEFORE INSERT ON chat_events FOR EACH ROW EXECUTE FUNCTION rel_disk_full()`,
			`The database server is out of disk space; nothing was changed.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newDemo(t, 20)
			if _, err := d.db.Exec(c.setup); err != nil {
				t.Fatal(err)
			}
			r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", "1", "2", "3", "--yes")
			if r.Code != 1 || strings.TrimSpace(r.Stderr) != "Error: "+c.want {
				t.Fatalf("want exit 1 and %q:\n%s", c.want, r)
			}
			oneSentence(t, r)
			nothingChanged(t, d)
		})
	}
}

// TestImportInterrupted: SIGINT or SIGTERM while `user import` streams a
// large CSV: exit 0 with every row, or exit 130 with none.
func TestImportInterrupted(t *testing.T) {
	t.Parallel()
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			d := newDemo(t, 0)
			const rows = 30000
			var b strings.Builder
			b.WriteString("phone,name,city\n")
			for i := 0; i < rows; i++ {
				fmt.Fprintf(&b, "+4471%08d,Name %d,City %d\n", i, i, i%7)
			}
			file := writeFile(t, "users.csv", []byte(b.String()))
			cmd := command(t, d.env(), "user", "import", "-f", file)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var exited atomic.Bool
			go func() {
				for !exited.Load() {
					if len(inboxctlBackends(t, d, `query LIKE 'COPY %'`)) > 0 {
						cmd.Process.Signal(sig)
						return
					}
					time.Sleep(2 * time.Millisecond)
				}
			}()
			r := wait(t, cmd, &out, &errb)
			exited.Store(true)
			switch n := d.count(t, `SELECT count(*) FROM users`); {
			case r.Code == 0 && n == rows:
				t.Log("the import committed before the signal")
			case r.Code == 130 && n == 0:
				t.Logf("interrupted: %s", r.Stderr)
				oneSentence(t, r)
				if c := d.count(t, `SELECT count(*) FROM chats`); c != 0 {
					t.Fatalf("%d chats left by an interrupted import", c)
				}
			default:
				t.Fatalf("%d of %d users imported after:\n%s", n, rows, r)
			}
		})
	}
}

// TestBulkMarkBackendKilledBetweenWrites: the binary's backend is
// terminated after the mark has written spam_batches, users, chats and
// chat_events in its transaction, while its last statement (the campaign
// exclusions) waits on a pending recipient row another transaction holds:
// exit 1, one sentence, every table as it was; running it again completes.
func TestBulkMarkBackendKilledBetweenWrites(t *testing.T) {
	t.Parallel()
	const n = 2000
	d := newDemo(t, n)
	if r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "campaign", "schedule", "Diwali Sale"); r.Code != 0 {
		t.Fatalf("schedule:\n%s", r)
	}
	var target int64
	if err := d.db.QueryRow(`SELECT max(user_id) FROM campaign_recipients WHERE status = 'pending' AND user_id <= $1`, n).Scan(&target); err != nil {
		t.Fatalf("no pending recipient to hold: %v", err)
	}
	tables := []string{"users", "chats", "chat_events", "spam_batches", "campaign_recipients", "campaign_tallies"}
	snapshot := func() map[string]string {
		s := map[string]string{}
		for _, tb := range tables {
			var sum string
			if err := d.db.QueryRow(`SELECT count(*) || ' rows, md5 ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '-') FROM ` + tb + ` t`).Scan(&sum); err != nil {
				t.Fatal(err)
			}
			s[tb] = sum
		}
		return s
	}
	before := snapshot()

	holder, err := d.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Rollback() })
	var holderPID int
	if err := holder.QueryRow(`SELECT pg_backend_pid()`).Scan(&holderPID); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(`SELECT 1 FROM campaign_recipients WHERE user_id = $1 AND status = 'pending' FOR UPDATE`, target); err != nil {
		t.Fatal(err)
	}

	file := refsFile(t, n)
	cmd, out, errb := startMark(t, d, file)
	// The marking backend, seen waiting on the held row in its last statement.
	var pid int
	var xactStart string
	waitFor(t, 60*time.Second, "the mark to wait on the recipient row", func() bool {
		err := d.db.QueryRow(`SELECT pid, xact_start::text FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'inboxctl' AND wait_event_type = 'Lock'
			  AND query LIKE '%UPDATE campaign_recipients%' AND $1 = ANY(pg_blocking_pids(pid))`, holderPID).Scan(&pid, &xactStart)
		return err == nil
	})
	// It has written the other tables in that transaction: it holds their
	// RowExclusiveLock, and waits (not granted) on the holder's row.
	var written string
	var waiting int
	if err := d.db.QueryRow(`SELECT
			(SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			 WHERE l.pid = $1 AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relname IN ('users', 'chats', 'chat_events', 'spam_batches')),
			(SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted AND locktype IN ('transactionid', 'tuple'))`, pid).Scan(&written, &waiting); err != nil {
		t.Fatal(err)
	}
	if written != "chat_events,chats,spam_batches,users" || waiting != 1 {
		t.Fatalf("backend %d holds RowExclusiveLock on %q and waits on %d row lock(s); want all four tables and one", pid, written, waiting)
	}
	// Terminate it only if it is still that transaction waiting on that row
	// (a lock timeout would have started another attempt).
	var terminated bool
	if err := d.db.QueryRow(`SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_stat_activity
		WHERE pid = $1 AND xact_start::text = $2 AND wait_event_type = 'Lock' AND $3 = ANY(pg_blocking_pids(pid))`,
		pid, xactStart, holderPID).Scan(&terminated); err != nil || !terminated {
		t.Fatalf("backend %d was no longer waiting on the row when terminated: %v", pid, err)
	}
	r := wait(t, cmd, out, errb)
	if r.Code != 1 || !strings.Contains(r.Stderr, "nothing was changed") {
		t.Fatalf("want exit 1 and 'nothing was changed':\n%s", r)
	}
	t.Logf("terminated between writes: %s", r.Stderr)
	oneSentence(t, r)
	holder.Rollback()
	after := snapshot()
	for _, tb := range tables {
		if before[tb] != after[tb] {
			t.Errorf("%s changed by the killed mark: %s, was %s", tb, after[tb], before[tb])
		}
	}
	nothingChanged(t, d)
	rerunCompletes(t, d, file, n)
	if got := d.count(t, `SELECT count(*) FROM campaign_recipients WHERE user_id = $1 AND status = 'excluded' AND reason = 'spam'`, target); got != 1 {
		t.Fatalf("the held recipient of user %d is not excluded after the rerun", target)
	}
}
