package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/inboxctl/inboxctl/internal/pglocal"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

const (
	concurrencyTarget = "0 errors shown; 0 rule violations; every batch exactly its file"
	poolerTarget      = concurrencyTarget + "; ≤ 1.5× direct"
	poolerRatio       = 1.5
	// poolSize is the pooler's server sessions: fewer than the 16 clients.
	poolSize = 4
	// markers bulk-mark overlapping windows of markWindow users (fewer in
	// small data sets), each window half over the next, markRounds times (mark, then unmark the
	// batch); editors assign, unassign, label and unlabel random users of
	// the same range, editOps times each.
	markers    = 8
	editors    = 8
	markWindow = 2000
	markRounds = 3
	editOps    = 30
)

// exitRefused is the exit code of a refusal (README "Exit codes"): an assign
// or label on a spam user's chat is refused, which is the rules working, not
// an error.
const exitRefused = 4

type tally struct {
	mu       sync.Mutex
	commands int64
	errors   []string
	refused  int64
	rssKiB   int64
	batches  []batchRun
}

// batchRun is one mark or unmark of a marker, to hold against its file.
type batchRun struct {
	file   int // the marker's window
	sum    spam.Summary
	unmark bool
	of     int64 // for an unmark, the mark batch it undid
}

func (t *tally) add(p proc, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.commands++
	t.rssKiB = max(t.rssKiB, p.rssKiB)
	if p.code == exitRefused && err == nil {
		t.refused++
	}
	if err != nil {
		t.errors = append(t.errors, err.Error())
	}
}

func (t *tally) batch(b batchRun) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.batches = append(t.batches, b)
}

// concurrencyRun is what one run of the 8 + 8 row saw.
type concurrencyRun struct {
	t          *tally
	wall       time.Duration
	violations int64
	offFile    int // batches whose users are not exactly their file's
	detail     string
}

func (c concurrencyRun) ok() bool {
	return len(c.t.errors) == 0 && c.violations == 0 && c.offFile == 0
}

func (c concurrencyRun) String() string {
	s := fmt.Sprintf("%d commands, %d errors, %d refusals (assign/label on a spam chat), %d rule violations, %d of %d batches not exactly their file",
		c.t.commands, len(c.t.errors), c.t.refused, c.violations, c.offFile, len(c.t.batches))
	if len(c.t.errors) > 0 {
		s += "; first error: " + c.t.errors[0]
	}
	if c.detail != "" {
		s += "; " + c.detail
	}
	return s
}

func opConcurrency(ctx context.Context, r *run) ([]Result, error) {
	const op = "concurrency: 8 bulk markers, 8 editors"
	if !r.hasEditCommands(ctx) {
		return []Result{notAvailable(op, concurrencyTarget, "this build has no 'chat assign' / 'chat label set'")}, nil
	}
	c, err := r.concurrency(ctx, r.benchURL)
	if err != nil {
		return nil, err
	}
	res := measured(op, c.t.commands, proc{wall: c.wall, rssKiB: c.t.rssKiB}, 0)
	res.Target = concurrencyTarget
	res.Met = ptr(c.ok())
	res.Detail = c.String()
	return []Result{res}, nil
}

// opPooler is the concurrency row through a private pgbouncer in
// pool_mode=transaction with a pool of 4 (16 clients share 4 server
// sessions), beside the same row on a direct connection run just before.
func opPooler(ctx context.Context, r *run) ([]Result, error) {
	const op = "concurrency through pgbouncer (transaction mode, pool of 4)"
	if !r.hasEditCommands(ctx) {
		return []Result{notAvailable(op, poolerTarget, "this build has no 'chat assign' / 'chat label set'")}, nil
	}
	pooler, err := pglocal.StartPooler(ctx, r.srv.Upstream(), pglocal.PoolerOptions{PoolSize: poolSize})
	if errors.Is(err, pglocal.ErrNoPgbouncer) {
		return []Result{notAvailable(op, poolerTarget, err.Error())}, nil
	}
	if err != nil {
		return nil, err
	}
	defer pooler.Close()
	r.logf("  the same row on a direct connection first")
	direct, err := r.concurrency(ctx, r.benchURL)
	if err != nil {
		return nil, err
	}
	r.logf("  then through pgbouncer")
	pooled, err := r.concurrency(ctx, pooler.URL("bench"))
	if err != nil {
		return nil, err
	}
	if !pooler.Running() {
		return nil, fmt.Errorf("pgbouncer died during the run:\n%s", pooler.LogTail())
	}
	res := measured(op, pooled.t.commands, proc{wall: pooled.wall, rssKiB: pooled.t.rssKiB}, direct.wall)
	res.Target = poolerTarget
	res.Met = ptr(pooled.ok() && direct.ok() && *res.Ratio <= poolerRatio)
	res.Detail = "through pgbouncer: " + pooled.String() + "; direct: " + direct.String()
	return []Result{res}, nil
}

func (r *run) hasEditCommands(ctx context.Context) bool {
	for _, c := range [][]string{{"chat", "assign", "--help"}, {"chat", "label", "set", "--help"}} {
		if _, err := r.cli(ctx, call{args: c}); err != nil {
			return false
		}
	}
	return true
}

// concurrency runs the 8 + 8 row against the database at url and checks
// the rules and every batch afterwards.
func (r *run) concurrency(ctx context.Context, url string) (concurrencyRun, error) {
	// Windows overlap by half and together cover span users.
	window := min(markWindow, 2*r.n/(markers+1)/2*2)
	span := window / 2 * (markers + 1)
	files := make([]string, markers)
	for k := range files {
		files[k] = filepath.Join(r.dir, fmt.Sprintf("conc-%d.txt", k))
		from, to := markerWindow(k, window)
		if err := writeRange(files[k], from, to); err != nil {
			return concurrencyRun{}, err
		}
	}
	t := &tally{}
	var wg sync.WaitGroup
	start := time.Now()
	for k := 0; k < markers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < r.times(markRounds) && ctx.Err() == nil; round++ {
				p, err := r.cli(ctx, call{db: url, args: []string{"spam", "mark", "-f", files[k], "--yes", "-o", "json", "--reason", "concurrency"}})
				t.add(p, err)
				var mark spam.Summary
				if err != nil || json.Unmarshal(p.stdout, &mark) != nil || mark.BatchID == nil {
					continue
				}
				t.batch(batchRun{file: k, sum: mark})
				p, err = r.cli(ctx, call{db: url, args: []string{"spam", "unmark", "--batch", strconv.FormatInt(*mark.BatchID, 10), "--yes", "-o", "json"}})
				t.add(p, err)
				var unmark spam.Summary
				if err == nil && json.Unmarshal(p.stdout, &unmark) == nil && unmark.BatchID != nil {
					t.batch(batchRun{file: k, sum: unmark, unmark: true, of: *mark.BatchID})
				}
			}
		}()
	}
	agents := []string{seed.Owner, seed.Asha, seed.Ravi}
	for k := 0; k < editors; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(k), 42))
			for i := 0; i < r.times(editOps) && ctx.Err() == nil; i++ {
				phone := seed.Phone(1 + rnd.IntN(span))
				var args []string
				switch rnd.IntN(4) {
				case 0:
					args = []string{"chat", "assign", phone, "--to", agents[rnd.IntN(len(agents))]}
				case 1:
					args = []string{"chat", "unassign", phone}
				case 2:
					args = []string{"chat", "label", "set", phone, []string{"vip", "billing", "bench"}[rnd.IntN(3)]}
				default:
					args = []string{"chat", "label", "clear", phone}
				}
				p, err := r.cli(ctx, call{db: url, args: args, okCodes: []int{exitRefused}})
				t.add(p, err)
			}
		}()
	}
	wg.Wait()
	c := concurrencyRun{t: t, wall: time.Since(start)}
	var err error
	if c.violations, c.detail, err = r.violations(ctx); err != nil {
		return c, err
	}
	for _, b := range t.batches {
		from, to := markerWindow(b.file, window)
		ok, err := r.exactlyItsFile(ctx, b, from, to)
		if err != nil {
			return c, err
		}
		if !ok {
			c.offFile++
		}
	}
	return c, nil
}

// markerWindow is marker k's users, from and to (1-based, inclusive):
// each window half over the next.
func markerWindow(k, window int) (from, to int) { return k*window/2 + 1, k*window/2 + window }

// exactlyItsFile holds a batch against its file: a mark counted every
// line of its file (each a distinct user) and changed exactly the users it
// recorded events for, all of them in its file; an unmark changed exactly
// users its mark batch had marked. Through a pooler that mixed up
// sessions, a batch marked another client's refs.
func (r *run) exactlyItsFile(ctx context.Context, b batchRun, from, to int) (bool, error) {
	var n, off int64
	if b.unmark {
		err := r.bench.QueryRowContext(ctx, store.Consts(`SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
				SELECT 1 FROM chat_events m WHERE m.org_id = e.org_id AND m.batch_id = $3 AND m.event = {event_marked} AND m.user_id = e.user_id))
			FROM chat_events e WHERE e.org_id = $1 AND e.batch_id = $2 AND e.event = {event_unmarked}`),
			r.orgID, *b.sum.BatchID, b.of).Scan(&n, &off)
		return err == nil && off == 0 && n == b.sum.Changed, err
	}
	err := r.bench.QueryRowContext(ctx, store.Consts(`SELECT count(*), count(*) FILTER (WHERE u.phone NOT BETWEEN $3 AND $4)
		FROM chat_events e JOIN users u ON u.org_id = e.org_id AND u.id = e.user_id
		WHERE e.org_id = $1 AND e.batch_id = $2 AND e.event = {event_marked}`),
		r.orgID, *b.sum.BatchID, seed.Phone(from), seed.Phone(to)).Scan(&n, &off)
	lines := int64(to - from + 1)
	return err == nil && off == 0 && n == b.sum.Changed && b.sum.Requested == lines && b.sum.Changed+b.sum.Unchanged == lines, err
}

func writeRange(path string, from, to int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i := from; i <= to; i++ {
		w.WriteString(seed.Phone(i))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// violations counts the rows of the bench org that break a spam rule (or
// leave the tallies campaign check reads unlike the rows), and names the
// rules broken (store.RuleViolations).
func (r *run) violations(ctx context.Context) (int64, string, error) {
	v, err := store.RuleViolations(ctx, r.bench, r.orgID)
	return v.Rows(), v.String(), err
}
