package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

const (
	markTarget   = "≤ 1.3× baseline; ≥ 8,000 refs/s"
	unmarkTarget = "≤ 1.3× baseline"
	markReason   = "bench"
)

// markPhones writes the refs file of the mark: the users i with i mod 9 = 0
// that are not spam — 100,000 of 1,000,000, spread over the whole table.
func (r *run) markPhones() (path string, n int64, err error) {
	path = filepath.Join(r.dir, "mark-refs.txt")
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	w := bufio.NewWriter(f)
	for i := 9; i <= r.n; i += 9 {
		if !seed.BenchSpam(i) {
			w.WriteString(seed.Phone(i))
			w.WriteByte('\n')
			n++
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", 0, err
	}
	return path, n, f.Close()
}

func opMark(ctx context.Context, r *run) ([]Result, error) {
	file, n, err := r.markPhones()
	if err != nil {
		return nil, err
	}
	p, err := r.cli(ctx, call{db: r.benchURL, args: []string{"spam", "mark", "-f", file, "--yes", "--reason", markReason, "-o", "json"}})
	if err != nil {
		return nil, err
	}
	var sum spam.Summary
	if err := json.Unmarshal(p.stdout, &sum); err != nil || sum.BatchID == nil {
		return nil, fmt.Errorf("spam mark printed no summary with a batch: %q", p.stdout)
	}
	r.markBatch = *sum.BatchID
	start := time.Now()
	changed, batch, err := baselineMark(ctx, r.base, r.orgID, r.ownerID, file)
	if err != nil {
		return nil, fmt.Errorf("baseline mark: %w", err)
	}
	base := time.Since(start)
	r.baseMarkBatch = batch
	res := measured("", n, p, base)
	res.Operation = fmt.Sprintf("spam mark -f %s refs", count(n))
	res.Target = markTarget
	res.Met = ptr(*res.Ratio <= 1.3 && *res.RowsPerSecond >= 8000)
	res.Detail = fmt.Sprintf("changed %d (baseline %d)", sum.Changed, changed)
	if sum.Changed != n || changed != n {
		res.Met = ptr(false)
		res.Detail += fmt.Sprintf("; expected %d", n)
	}
	return []Result{res}, nil
}

func opUnmark(ctx context.Context, r *run) ([]Result, error) {
	if r.markBatch == 0 || r.baseMarkBatch == 0 {
		return nil, fmt.Errorf("no mark batch to unmark")
	}
	p, err := r.cli(ctx, call{db: r.benchURL, args: []string{"spam", "unmark", "--batch", strconv.FormatInt(r.markBatch, 10), "--yes", "-o", "json"}})
	if err != nil {
		return nil, err
	}
	var sum spam.Summary
	if err := json.Unmarshal(p.stdout, &sum); err != nil {
		return nil, fmt.Errorf("spam unmark printed no summary: %q", p.stdout)
	}
	start := time.Now()
	changed, err := baselineUnmark(ctx, r.base, r.orgID, r.ownerID, r.baseMarkBatch)
	if err != nil {
		return nil, fmt.Errorf("baseline unmark: %w", err)
	}
	res := measured("", sum.Requested, p, time.Since(start))
	res.Operation = fmt.Sprintf("spam unmark --batch (%s users)", count(sum.Requested))
	res.Target = unmarkTarget
	res.Met = ptr(*res.Ratio <= 1.3)
	res.Detail = fmt.Sprintf("changed %d (baseline %d)", sum.Changed, changed)
	if sum.Changed != changed || changed == 0 {
		res.Met = ptr(false)
	}
	return []Result{res}, nil
}

// baselineMark is the mark written by hand: the phones COPY'd into a temp
// table, then one set-based statement per table, in one transaction.
func baselineMark(ctx context.Context, db *store.DB, org, agent int64, file string) (changed, batch int64, err error) {
	err = inTempTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE refs (phone text COLLATE "C") ON COMMIT DROP`); err != nil {
			return err
		}
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		err = store.Copy(ctx, tx, "refs", []string{"phone"}, func(row func(...any) error) error {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if err := row(sc.Text()); err != nil {
					return err
				}
			}
			return sc.Err()
		})
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO spam_batches (org_id, action, actor_id, reason) VALUES ($1, 'mark', $2, $3) RETURNING id`,
			org, agent, markReason).Scan(&batch); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `CREATE TEMP TABLE hit ON COMMIT DROP AS
			SELECT u.id FROM refs r JOIN users u ON u.org_id = $1 AND u.phone = r.phone WHERE NOT u.spam`, org)
		if err != nil {
			return err
		}
		if changed, err = res.RowsAffected(); err != nil {
			return err
		}
		return execEach(ctx, tx,
			q{`ANALYZE hit`, nil},
			q{`UPDATE users u SET spam = true, spam_marked_by = $2, spam_marked_at = now(), spam_reason = 'bench', spam_batch_id = $3,
				traits = u.traits || '{"Marked as Spam": "Yes"}' FROM hit h WHERE u.org_id = $1 AND u.id = h.id`, []any{org, agent, batch}},
			q{`UPDATE chats c SET folder = 'spam', spam_marked_by = $2 FROM hit h WHERE c.org_id = $1 AND c.user_id = h.id`, []any{org, agent}},
			q{`INSERT INTO chat_events (org_id, user_id, event, actor_id, reason, batch_id)
				SELECT $1, id, 'marked_spam', $2, 'bench', $3 FROM hit`, []any{org, agent, batch}},
			q{`UPDATE campaign_recipients cr SET status = 'excluded', reason = 'spam', updated_at = now()
				FROM hit h WHERE cr.org_id = $1 AND cr.user_id = h.id AND cr.status = 'pending'`, []any{org}})
	})
	return changed, batch, err
}

// baselineUnmark is the unmark of a batch written by hand.
func baselineUnmark(ctx context.Context, db *store.DB, org, agent, batch int64) (changed int64, err error) {
	err = inTempTx(ctx, db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `CREATE TEMP TABLE hit ON COMMIT DROP AS
			SELECT id FROM users WHERE org_id = $1 AND spam AND spam_batch_id = $2`, org, batch)
		if err != nil {
			return err
		}
		if changed, err = res.RowsAffected(); err != nil {
			return err
		}
		return execEach(ctx, tx,
			q{`ANALYZE hit`, nil},
			q{`UPDATE users u SET spam = false, spam_marked_by = NULL, spam_marked_at = NULL, spam_reason = NULL, spam_batch_id = NULL,
				traits = u.traits || '{"Marked as Spam": "No"}' FROM hit h WHERE u.org_id = $1 AND u.id = h.id`, []any{org}},
			q{`UPDATE chats c SET folder = 'inbox', spam_marked_by = NULL FROM hit h WHERE c.org_id = $1 AND c.user_id = h.id`, []any{org}},
			q{`INSERT INTO chat_events (org_id, user_id, event, actor_id, batch_id)
				SELECT $1, id, 'unmarked_spam', $2, $3 FROM hit`, []any{org, agent, batch}},
			q{`UPDATE campaign_recipients cr SET status = 'pending', reason = NULL, updated_at = now()
				FROM hit h, campaigns cp WHERE cr.org_id = $1 AND cr.user_id = h.id AND cr.status = 'excluded' AND cr.reason = 'spam'
				AND cp.org_id = cr.org_id AND cp.id = cr.campaign_id AND cp.kind = 'one-time' AND cp.last_run_at IS NULL`, []any{org}})
	})
	return changed, err
}

// inTempTx runs fn in one transaction on one session (temp tables).
func inTempTx(ctx context.Context, db *store.DB, fn func(tx *sql.Tx) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// q is one statement with its arguments.
type q struct {
	sql  string
	args []any
}

// execEach runs the statements in order.
func execEach(ctx context.Context, tx *sql.Tx, stmts ...q) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("%w: %.60s", err, s.sql)
		}
	}
	return nil
}
