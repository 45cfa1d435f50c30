package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// TestExpiresRaceMarksUnmarksAndAssigns: 4 clients run spam expire in a
// loop (as cron would, overlapping) while 4 bulk-mark overlapping windows
// with expiries a few hundred milliseconds ahead (some without), 2 unmark,
// and 4 assign and label. No error reaches a caller but a refusal; no user
// is expired twice; a final expire leaves no expired mark; every rule and
// the campaign tallies hold.
func TestExpiresRaceMarksUnmarksAndAssigns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const users = 400
	d := newDemo(t, users)
	if _, err := d.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT u.org_id, c.id, u.id, 'pending' FROM users u, campaigns c WHERE c.name = 'Diwali Sale'`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.RepairTallies(ctx, d.org.ID, true); err != nil {
		t.Fatal(err)
	}
	var failures []error
	var mu sync.Mutex
	fail := func(who string, err error) {
		mu.Lock()
		failures = append(failures, fmt.Errorf("%s: %w", who, err))
		mu.Unlock()
	}
	window := func(rng *rand.Rand) []string {
		start := rng.Intn(users - 100)
		refs := make([]string, 0, 100)
		for id := start + 1; id <= start+100; id++ {
			refs = append(refs, fmt.Sprint(id))
		}
		rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
		return refs
	}
	var busy sync.WaitGroup // the markers, unmarkers and editors
	var expired, expireRuns atomic.Int64
	for w := 0; w < 4; w++ {
		busy.Add(1)
		go func(w int) {
			defer busy.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 8; i++ {
				var e input.Expiry
				if rng.Intn(4) > 0 {
					until := time.Now().Add(time.Duration(rng.Intn(300)) * time.Millisecond)
					e.Until = &until
				}
				if _, err := spam.Mark(ctx, d.db, d.owner, spam.Request{Refs: window(rng), Reason: "race", Expiry: e}); err != nil {
					fail(fmt.Sprintf("marker %d", w), err)
				}
			}
		}(w)
	}
	for w := 0; w < 2; w++ {
		busy.Add(1)
		go func(w int) {
			defer busy.Done()
			rng := rand.New(rand.NewSource(int64(50 + w)))
			for i := 0; i < 6; i++ {
				if _, err := spam.Unmark(ctx, d.db, d.asha, spam.Request{Refs: window(rng)}); err != nil {
					fail(fmt.Sprintf("unmarker %d", w), err)
				}
			}
		}(w)
	}
	agents := []string{seed.Owner, seed.Asha, seed.Ravi}
	var changes, refusals atomic.Int64
	for w := 0; w < 4; w++ {
		busy.Add(1)
		go func(w int) {
			defer busy.Done()
			rng := rand.New(rand.NewSource(int64(100 + w)))
			actors := []directory.Actor{d.owner, d.asha}
			for i := 0; i < 40; i++ {
				ref := input.Ref{ID: int64(rng.Intn(users) + 1)}
				actor := actors[rng.Intn(len(actors))]
				var err error
				switch rng.Intn(3) {
				case 0:
					_, err = inbox.Assign(ctx, d.db, actor, ref, agents[rng.Intn(len(agents))])
				case 1:
					_, err = inbox.Unassign(ctx, d.db, actor, ref)
				default:
					_, err = inbox.SetLabel(ctx, d.db, actor, ref, "vip")
				}
				var refusal *rules.Refusal
				switch {
				case err == nil:
					changes.Add(1)
				case errors.As(err, &refusal) || errs.ExitCode(err) == errs.Refused:
					refusals.Add(1)
				default:
					fail(fmt.Sprintf("editor %d", w), err)
				}
			}
		}(w)
	}
	stop := make(chan struct{})
	var expirers sync.WaitGroup
	for w := 0; w < 4; w++ {
		expirers.Add(1)
		go func(w int) {
			defer expirers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sum, err := spam.Expire(ctx, d.db, d.org, spam.ExpireRequest{})
				if err != nil {
					fail(fmt.Sprintf("expirer %d", w), err)
				}
				expired.Add(sum.Changed)
				expireRuns.Add(1)
				time.Sleep(time.Duration(10+w*5) * time.Millisecond)
			}
		}(w)
	}
	busy.Wait()
	// Every expiry set above has passed 300 ms after the last mark.
	time.Sleep(400 * time.Millisecond)
	close(stop)
	expirers.Wait()
	last, err := spam.Expire(ctx, d.db, d.org, spam.ExpireRequest{})
	if err != nil {
		t.Fatal(err)
	}
	expired.Add(last.Changed)
	for _, err := range failures {
		t.Errorf("an error reached a user: %v", err)
	}
	t.Logf("%d expire runs unmarked %d users; %d assign/label changes, %d refused", expireRuns.Load(), expired.Load(), changes.Load(), refusals.Load())
	if expired.Load() == 0 || refusals.Load() == 0 {
		t.Fatalf("the race did not happen: %d expired, %d refusals", expired.Load(), refusals.Load())
	}
	if n := d.count(t, `SELECT count(*) FROM users WHERE spam AND spam_until <= now()`); n != 0 {
		t.Errorf("%d expired marks left after the last expire", n)
	}
	if n := d.count(t, `SELECT coalesce(sum(changed), 0) FROM spam_batches WHERE action = 'expire'`); int64(n) != expired.Load() {
		t.Errorf("expire batches say %d users, the runs said %d", n, expired.Load())
	}
	if n := d.count(t, `SELECT count(*) FROM spam_batches b WHERE action = 'expire' AND (changed = 0 OR actor_id IS NOT NULL
		OR changed <> (SELECT count(*) FROM chat_events e WHERE e.org_id = b.org_id AND e.batch_id = b.id AND e.event = 'unmarked_spam' AND e.actor_id IS NULL))`); n != 0 {
		t.Errorf("%d expire batches empty, with an actor, or unlike their events", n)
	}
	// Nothing expired twice: no unmark event follows an unmark event of the
	// same user without a mark between.
	if n := d.count(t, `SELECT count(*) FROM (
			SELECT event, lag(event) OVER (PARTITION BY user_id ORDER BY id) AS prev FROM chat_events
			WHERE event IN ('marked_spam', 'unmarked_spam')) e
		WHERE event = 'unmarked_spam' AND prev = 'unmarked_spam'`); n != 0 {
		t.Errorf("%d users unmarked twice in a row", n)
	}
	d.invariants(t)
}
