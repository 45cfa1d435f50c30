package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

const (
	concurrencyTarget = "0 errors shown; 0 rule violations"
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

// exitRefused is SPEC §4's exit code of a refusal: an assign or label on
// a spam user's chat is refused, which is the rules working, not an error.
const exitRefused = 4

type tally struct {
	mu       sync.Mutex
	commands int64
	errors   []string
	refused  int64
	rssKiB   int64
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

func opConcurrency(ctx context.Context, r *run) ([]Result, error) {
	// Windows overlap by half and together cover span users.
	window := min(markWindow, 2*r.n/(markers+1)/2*2)
	span := window / 2 * (markers + 1)
	for _, c := range [][]string{{"chat", "assign", "--help"}, {"chat", "label", "set", "--help"}} {
		if _, err := r.cli(ctx, call{args: c}); unknownCommand(err) || err != nil {
			return []Result{notAvailable("concurrency: 8 bulk markers, 8 editors", concurrencyTarget,
				"this build has no 'chat assign' / 'chat label set'")}, nil
		}
	}
	files := make([]string, markers)
	for k := range files {
		files[k] = filepath.Join(r.dir, fmt.Sprintf("conc-%d.txt", k))
		if err := writeRange(files[k], k*window/2+1, k*window/2+window); err != nil {
			return nil, err
		}
	}
	var t tally
	var wg sync.WaitGroup
	start := time.Now()
	for k := 0; k < markers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < markRounds && ctx.Err() == nil; round++ {
				p, err := r.cli(ctx, call{db: r.benchURL, args: []string{"spam", "mark", "-f", files[k], "--yes", "-o", "json", "--reason", "concurrency"}})
				t.add(p, err)
				var sum spam.Summary
				if err != nil || json.Unmarshal(p.stdout, &sum) != nil || sum.BatchID == nil {
					continue
				}
				p, err = r.cli(ctx, call{db: r.benchURL, args: []string{"spam", "unmark", "--batch", strconv.FormatInt(*sum.BatchID, 10), "--yes", "-o", "json"}})
				t.add(p, err)
			}
		}()
	}
	agents := []string{seed.Owner, seed.Asha, seed.Ravi}
	for k := 0; k < editors; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(k), 42))
			for i := 0; i < editOps && ctx.Err() == nil; i++ {
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
				p, err := r.cli(ctx, call{db: r.benchURL, args: args, okCodes: []int{exitRefused}})
				t.add(p, err)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	violations, detail, err := r.violations(ctx)
	if err != nil {
		return nil, err
	}
	res := measured("concurrency: 8 bulk markers, 8 editors", t.commands, proc{wall: wall, rssKiB: t.rssKiB}, 0)
	res.Target = concurrencyTarget
	res.Met = ptr(len(t.errors) == 0 && violations == 0)
	res.Detail = fmt.Sprintf("%d commands, %d errors, %d refusals (assign/label on a spam chat), %d rule violations", t.commands, len(t.errors), t.refused, violations)
	if len(t.errors) > 0 {
		res.Detail += "; first error: " + t.errors[0]
	}
	if detail != "" {
		res.Detail += "; " + detail
	}
	return []Result{res}, nil
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

// invariants are the spam rules checked over the whole org after the
// concurrent run; each query counts the rows that break one.
var invariants = []struct{ rule, sql string }{
	{"flag, stored folder, trait and marker agree (rules 2, 4)", `
		SELECT count(*) FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
		WHERE u.org_id = $1 AND (u.spam <> (c.folder = 'spam')
			OR coalesce(u.traits->>'Marked as Spam', 'No') <> CASE WHEN u.spam THEN 'Yes' ELSE 'No' END
			OR (u.spam AND c.spam_marked_by IS DISTINCT FROM u.spam_marked_by))`},
	{"no pending campaign entry for a spam user (rule 5)", `
		SELECT count(*) FROM campaign_recipients cr JOIN users u ON u.org_id = cr.org_id AND u.id = cr.user_id
		WHERE cr.org_id = $1 AND cr.status = 'pending' AND u.spam`},
	{"no entry excluded for spam of a non-spam user in a campaign that has not run (rule 9)", `
		SELECT count(*) FROM campaign_recipients cr JOIN users u ON u.org_id = cr.org_id AND u.id = cr.user_id
		JOIN campaigns cp ON cp.org_id = cr.org_id AND cp.id = cr.campaign_id
		WHERE cr.org_id = $1 AND cr.status = 'excluded' AND cr.reason = 'spam' AND NOT u.spam
			AND cp.kind = 'one-time' AND cp.last_run_at IS NULL`},
	{"no assign or label landed on a chat after its user was marked (rules 3, 11)", `
		SELECT count(*) FROM users u
		CROSS JOIN LATERAL (SELECT max(id) AS id FROM chat_events e
			WHERE e.org_id = u.org_id AND e.user_id = u.id AND e.event = 'marked_spam') m
		WHERE u.org_id = $1 AND u.spam AND EXISTS (SELECT 1 FROM chat_events e
			WHERE e.org_id = u.org_id AND e.user_id = u.id AND e.id > m.id
			AND e.event IN ('assigned', 'unassigned', 'labelled', 'unlabelled'))`},
	{"the campaign tallies equal the recipient rows (what campaign check reads)", `
		SELECT count(*) FROM (
			SELECT campaign_id, sum(pending) AS pending, sum(offenders) AS offenders
			FROM campaign_tallies WHERE org_id = $1 GROUP BY campaign_id HAVING sum(pending) <> 0 OR sum(offenders) <> 0) t
		FULL JOIN (
			SELECT r.campaign_id, count(*) AS pending, count(*) FILTER (WHERE u.spam) AS offenders
			FROM campaign_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id
			WHERE r.org_id = $1 AND r.status = 'pending' GROUP BY r.campaign_id) c USING (campaign_id)
		WHERE t.pending IS DISTINCT FROM c.pending OR t.offenders IS DISTINCT FROM c.offenders`},
	{"the spam user tally equals the spam users", `
		SELECT abs((SELECT coalesce(sum(users), 0) FROM spam_user_tallies WHERE org_id = $1)
			- (SELECT count(*) FROM users WHERE org_id = $1 AND spam))`},
	{"no expiry on a user who is not spam (an unmark or expire clears it)", `
		SELECT count(*) FROM users WHERE org_id = $1 AND NOT spam AND spam_until IS NOT NULL`},
	{"every mark, unmark and expire recorded one event (rule 7)", `
		SELECT abs((SELECT coalesce(sum(changed), 0) FROM spam_batches WHERE org_id = $1)
			- (SELECT count(*) FROM chat_events WHERE org_id = $1 AND event IN ('marked_spam', 'unmarked_spam')))`},
}

func (r *run) violations(ctx context.Context) (int64, string, error) {
	return RuleViolations(ctx, r.bench, r.orgID)
}

// RuleViolations counts the rows of the org that break a spam rule (or
// leave the tallies campaign check reads unlike the rows), and names the
// rules broken: what the concurrency row checks, and the race tests too.
func RuleViolations(ctx context.Context, q store.Querier, orgID int64) (int64, string, error) {
	var total int64
	var broken []string
	for _, inv := range invariants {
		var n int64
		if err := q.QueryRowContext(ctx, inv.sql, orgID).Scan(&n); err != nil {
			return 0, "", fmt.Errorf("checking %q: %w", inv.rule, err)
		}
		if n > 0 {
			broken = append(broken, fmt.Sprintf("%s: %d", inv.rule, n))
		}
		total += n
	}
	if len(broken) == 0 {
		return 0, "", nil
	}
	return total, "broken: " + strings.Join(broken, "; "), nil
}
