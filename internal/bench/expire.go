package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/inboxctl/inboxctl/internal/spam"
)

const expireTarget = "≤ 1.2× spam unmark --batch of the same users"

// opExpire measures `spam expire` of 100,000 expired marks (at 1M) beside
// `spam unmark --batch` of the same users, marked the same way: each round
// marks the refs of the mark row with --for 1h, moves their expiry into the
// past (time passing, not measured), and has one side unmark them; the
// sides alternate which goes first, and each keeps its best time.
func opExpire(ctx context.Context, r *run) ([]Result, error) {
	file, n, err := r.markPhones()
	if err != nil {
		return nil, err
	}
	// Small data sets (the tests') need no second round against noise.
	rounds := spamRounds
	if r.n < 100_000 {
		rounds = 1
	}
	var s sideBySide
	for round := 0; round < rounds; round++ {
		err := both(round%2 == 0, func() error {
			if _, err := r.expiredMark(ctx, file); err != nil {
				return err
			}
			p, sum, err := r.summary(ctx, "spam", "expire", "-o", "json")
			if err != nil {
				return err
			}
			s.cli(p, sum.Changed)
			return nil
		}, func() error {
			batch, err := r.expiredMark(ctx, file)
			if err != nil {
				return err
			}
			p, sum, err := r.summary(ctx, "spam", "unmark", "--batch", strconv.FormatInt(batch, 10), "--yes", "-o", "json")
			if err != nil {
				return err
			}
			s.baseline(p.wall, sum.Changed)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	res := s.result(fmt.Sprintf("spam expire (%s expired marks)", count(n)), n, expireTarget, "changed")
	res.Met = ptr(*res.Met && *res.Ratio <= 1.2)
	return []Result{res}, nil
}

// expiredMark marks the refs of file with --for 1h and moves the expiry of
// that batch's marks into the past; it returns the batch.
func (r *run) expiredMark(ctx context.Context, file string) (int64, error) {
	_, sum, err := r.summary(ctx, "spam", "mark", "-f", file, "--for", "1h", "--yes", "--reason", markReason, "-o", "json")
	if err != nil {
		return 0, err
	}
	if sum.BatchID == nil {
		return 0, fmt.Errorf("spam mark --for printed no batch")
	}
	if _, err := r.bench.ExecContext(ctx, `UPDATE users SET spam_until = now() - interval '1 second'
		WHERE org_id = $1 AND spam AND spam_batch_id = $2`, r.orgID, *sum.BatchID); err != nil {
		return 0, err
	}
	if _, err := r.bench.ExecContext(ctx, `ANALYZE users`); err != nil {
		return 0, err
	}
	return *sum.BatchID, nil
}

// summary runs a spam command of the CLI on the bench data and reads its
// JSON summary.
func (r *run) summary(ctx context.Context, args ...string) (proc, spam.Summary, error) {
	var sum spam.Summary
	p, err := r.cli(ctx, call{db: r.benchURL, args: args})
	if err != nil {
		return p, sum, err
	}
	if err := json.Unmarshal(p.stdout, &sum); err != nil {
		return p, sum, fmt.Errorf("%s printed no summary: %q", args[1], p.stdout)
	}
	return p, sum, nil
}
