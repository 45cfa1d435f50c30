//go:build deployment

package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// The tests of this file run the binary through a real pgbouncer in
// pool_mode=transaction with a pool of testdb.PoolSize server sessions, with
// more clients than that at once (README "Deployments"): a client's
// consecutive transactions, and a statement's round trips outside one, may
// each land on another client's server session.

// pooled is the demo database's URL through the test pooler.
func (d demo) pooled(t *testing.T) string { return testdb.ThroughPooler(testdb.Pooler(t), d.url) }

// rangeFile writes the phones of demo users from..to, one a line.
func rangeFile(t *testing.T, from, to int) string {
	t.Helper()
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintln(&b, seed.Phone(i))
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("refs-%d-%d.txt", from, to))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// phonesOfBatch lists the phones of the users a batch marked, sorted.
func (d demo) phonesOfBatch(t *testing.T, batch int64) []string {
	t.Helper()
	rows, err := d.db.Query(`SELECT u.phone FROM chat_events e JOIN users u ON u.org_id = e.org_id AND u.id = e.user_id
		WHERE e.batch_id = $1 AND e.event = 'marked_spam' ORDER BY u.phone`, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var phones []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		phones = append(phones, p)
	}
	return phones
}

// TestPoolerBulkMarksMarkTheirOwnFiles: eight concurrent `spam mark -f`
// of disjoint files through the pooler each mark exactly the users of
// their own file, under their own batch and reason. (Refs staged in a temp
// table in one transaction and applied in another went to whichever
// server session the pooler gave the second: another process's refs.)
func TestPoolerBulkMarksMarkTheirOwnFiles(t *testing.T) {
	t.Parallel()
	const clients, per = 8, 400
	d := newDemo(t, clients*per)
	url := d.pooled(t)
	type outcome struct {
		r     result
		file  []string
		batch spam.Summary
	}
	outcomes := make([]outcome, clients)
	var wg sync.WaitGroup
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			file := rangeFile(t, k*per+1, (k+1)*per)
			for i := k*per + 1; i <= (k+1)*per; i++ {
				outcomes[k].file = append(outcomes[k].file, seed.Phone(i))
			}
			outcomes[k].r = run(t, []string{"INBOXCTL_DATABASE_URL=" + url, "INBOXCTL_AGENT=" + seed.Owner},
				nil, "spam", "mark", "-f", file, "--yes", "-o", "json", "--reason", fmt.Sprintf("file %d", k))
		}()
	}
	wg.Wait()
	for k, o := range outcomes {
		if o.r.Code != 0 {
			t.Errorf("client %d failed:\n%s", k, o.r)
			continue
		}
		if err := json.Unmarshal([]byte(o.r.Stdout), &o.batch); err != nil || o.batch.BatchID == nil {
			t.Errorf("client %d: no batch in its output (%v):\n%s", k, err, o.r)
			continue
		}
		if o.batch.Changed != per || o.batch.Requested != per {
			t.Errorf("client %d: requested %d, changed %d, want %d and %d", k, o.batch.Requested, o.batch.Changed, per, per)
		}
		got := d.phonesOfBatch(t, *o.batch.BatchID)
		sort.Strings(o.file)
		if strings.Join(got, ",") != strings.Join(o.file, ",") {
			t.Errorf("client %d: batch %d marked %d users, %d of them outside its file", k, *o.batch.BatchID, len(got), len(outside(got, o.file)))
		}
		reason := fmt.Sprintf("file %d", k)
		if n := d.count(t, `SELECT count(*) FROM users WHERE spam_batch_id = $1 AND spam_reason IS DISTINCT FROM $2`, *o.batch.BatchID, reason); n != 0 {
			t.Errorf("client %d: %d users of its batch carry another reason", k, n)
		}
	}
	if n := d.count(t, `SELECT count(*) FROM users WHERE spam`); n != clients*per {
		t.Errorf("%d users spam, want %d", n, clients*per)
	}
	d.invariants(t)
}

func outside(got, want []string) []string {
	in := map[string]bool{}
	for _, w := range want {
		in[w] = true
	}
	var out []string
	for _, g := range got {
		if !in[g] {
			out = append(out, g)
		}
	}
	return out
}

// TestPoolerListWhileBulkMark: `inbox list` run again and again by six
// clients through the pooler while a bulk mark runs: not one fails. (A
// statement with parameters outside a transaction took two round trips,
// parse then bind; the pooler may send them to different server sessions:
// "unnamed prepared statement does not exist", or another client's
// parameters.)
func TestPoolerListWhileBulkMark(t *testing.T) {
	t.Parallel()
	const users = 3000
	d := newDemo(t, users)
	url := d.pooled(t)
	env := []string{"INBOXCTL_DATABASE_URL=" + url, "INBOXCTL_AGENT=" + seed.Owner}
	file := rangeFile(t, 1, users)
	mark := command(t, env, "spam", "mark", "-f", file, "--yes", "-o", "json")
	var markOut, markErr bytes.Buffer
	mark.Stdout, mark.Stderr = &markOut, &markErr
	if err := mark.Start(); err != nil {
		t.Fatal(err)
	}
	marked := make(chan result, 1)
	go func() { marked <- waitResult(mark, &markOut, &markErr) }()
	var mu sync.Mutex
	var failures []result
	lists := 0
	var wg sync.WaitGroup
	stop := make(chan struct{})
	folders := []string{"all", "unassigned", "spam", "you"}
	for k := 0; k < 6; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := run(t, env, nil, "inbox", "list", "--folder", folders[(k+i)%len(folders)], "--limit", "20", "-o", "json")
				mu.Lock()
				lists++
				if r.Code != 0 {
					failures = append(failures, r)
				}
				mu.Unlock()
			}
		}()
	}
	var m result
	select {
	case m = <-marked:
	case <-time.After(120 * time.Second):
		mark.Process.Kill()
		t.Fatal("the bulk mark did not end in 120 s")
	}
	// Keep listing a little after the mark, then stop.
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if m.Code != 0 {
		t.Errorf("the bulk mark failed:\n%s", m)
	}
	for i, f := range failures {
		if i == 3 {
			break
		}
		t.Errorf("inbox list failed:\n%s", f)
	}
	if len(failures) > 0 {
		t.Errorf("%d of %d inbox list calls failed", len(failures), lists)
	}
	t.Logf("%d inbox list calls while the mark ran", lists)
	if lists < 6 {
		t.Fatalf("only %d lists ran", lists)
	}
}

func waitResult(cmd *exec.Cmd, out, errb *bytes.Buffer) result {
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	return result{Stdout: out.String(), Stderr: errb.String(), Code: code}
}

// TestPoolerConcurrentMigrate: four `db migrate` at once on an empty
// database through the pooler: all succeed, each migration is applied
// once, none hangs, and no lock is left behind (a session advisory lock
// taken on one server session and released on another stayed held, and
// every later migrate hung on it).
func TestPoolerConcurrentMigrate(t *testing.T) {
	t.Parallel()
	direct := testdb.EmptyURL(t)
	url := testdb.ThroughPooler(testdb.Pooler(t), direct)
	const clients = 4
	results := make([]result, clients)
	runMigrate := func(k int) {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "db", "migrate")
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "INBOXCTL_DATABASE_URL=" + url}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Error(err)
			return
		}
		results[k] = waitResult(cmd, &out, &errb)
		if ctx.Err() != nil {
			results[k].Stderr += "\n(killed: hung for 90 s)"
		}
	}
	var wg sync.WaitGroup
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func() { defer wg.Done(); runMigrate(k) }()
	}
	wg.Wait()
	for k, r := range results {
		if r.Code != 0 {
			t.Errorf("migrate %d:\n%s", k, r)
		}
	}
	db, err := store.Open(context.Background(), direct)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions, distinct, want int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version) FROM inboxctl_migrations`).Scan(&versions, &distinct); err != nil {
		t.Fatal(err)
	}
	want = len(store.Migrations())
	if versions != want || distinct != want {
		t.Errorf("inboxctl_migrations holds %d rows (%d versions), want %d", versions, distinct, want)
	}
	applied := 0
	for _, r := range results {
		applied += strings.Count(r.Stderr, "Applied ")
	}
	if applied != want {
		t.Errorf("the migrates said they applied %d migrations in all, want %d", applied, want)
	}
	// The pooler keeps its server sessions open: a session lock leaked on
	// one of them would still show.
	var held int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Errorf("%d advisory locks are still held after the migrates", held)
	}
	// A later migrate through the pooler neither hangs nor applies anything.
	runMigrate(0)
	if r := results[0]; r.Code != 0 || !strings.Contains(r.Stderr, "up to date") {
		t.Errorf("the migrate after them:\n%s", r)
	}
}

// TestPoolerCtrlCWhileWaitingOnALock: SIGINT to a bulk mark that waits on
// a row lock through the pooler, three times: exit 130, one cancel request
// per interrupt, nothing changed, and pgbouncer still answers afterwards.
// pgbouncer 1.18 dies ("FATAL ... bad client state") when a client closes
// a cancel request's connection before pgbouncer has forwarded it: of the
// two that inboxctl sent, or of one, when inboxctl exited at once.
func TestPoolerCtrlCWhileWaitingOnALock(t *testing.T) {
	t.Parallel()
	const n = 1000
	d := newDemo(t, n)
	// Its own pgbouncer: the shared one would take the other tests down
	// with it.
	pooler := testdb.OwnPooler(t)
	url := testdb.ThroughPooler(pooler, d.url)
	file := refsFile(t, n)
	release := holdRow(t, d, 700)
	for round := 0; round < 3; round++ {
		cmd := command(t, []string{"INBOXCTL_DATABASE_URL=" + url, "INBOXCTL_AGENT=" + seed.Owner}, "spam", "mark", "-f", file, "--yes")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 60*time.Second, "the mark to wait on the lock", func() bool {
			return len(inboxctlBackends(t, d, `wait_event_type = 'Lock'`)) > 0
		})
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		done := make(chan result, 1)
		go func() { done <- waitResult(cmd, &out, &errb) }()
		var r result
		select {
		case r = <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("the mark did not end 30 s after SIGINT")
		}
		t.Logf("round %d: exited %v after SIGINT", round, time.Since(sent))
		if r.Code != 130 || !strings.Contains(r.Stderr, "Interrupted") {
			t.Fatalf("round %d: want exit 130 and the interrupted sentence:\n%s", round, r)
		}
		// Give pgbouncer the time to handle the cancel request(s).
		time.Sleep(200 * time.Millisecond)
		if !pooler.Running() {
			t.Fatalf("round %d: pgbouncer died:\n%s", round, pooler.LogTail())
		}
		log, err := os.ReadFile(pooler.LogFile())
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(log), "started sending cancel request"); n != round+1 {
			t.Fatalf("round %d: %d cancel requests so far, want one per interrupt:\n%s", round, n, pooler.LogTail())
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		db, err := store.Open(ctx, url)
		if err != nil {
			cancel()
			t.Fatalf("round %d: pgbouncer does not answer: %v\n%s", round, err, pooler.LogTail())
		}
		var one int
		err = db.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
		db.Close()
		cancel()
		if err != nil {
			t.Fatalf("round %d: pgbouncer does not answer a query: %v", round, err)
		}
	}
	release()
	nothingChanged(t, d)
}
