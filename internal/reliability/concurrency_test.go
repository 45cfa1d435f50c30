package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
)

// TestConcurrentMarksAssignsAndLabels is the last target of README
// "Performance" at a small scale: 8 clients bulk-mark and unmark overlapping
// sets while 8 clients assign, unassign, label and unlabel chats among them
// (and two schedule campaigns). No error reaches a caller other than a
// legitimate refusal (the user is spam), and afterwards every rule holds.
func TestConcurrentMarksAssignsAndLabels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const users = 600
	d := newDemo(t, users)
	if _, err := d.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT u.org_id, c.id, u.id, 'pending' FROM users u, campaigns c WHERE c.name = 'Diwali Sale'`); err != nil {
		t.Fatal(err)
	}
	// Written around inboxctl: recount the tallies, so the invariants hold them to the rows.
	if _, err := d.db.RepairTallies(ctx, d.org.ID, true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failures []error
	var mu sync.Mutex
	fail := func(who string, err error) {
		mu.Lock()
		failures = append(failures, fmt.Errorf("%s: %w", who, err))
		mu.Unlock()
	}
	var changes, refusals atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 6; i++ {
				start := rng.Intn(users - 200)
				refs := make([]string, 0, 200)
				for id := start + 1; id <= start+200; id++ {
					refs = append(refs, fmt.Sprint(id))
				}
				rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
				var err error
				if (w+i)%2 == 0 {
					_, err = spam.Mark(ctx, d.db, d.owner, spam.Request{Refs: refs, Reason: "concurrency"})
				} else {
					_, err = spam.Unmark(ctx, d.db, d.asha, spam.Request{Refs: refs})
				}
				if err != nil {
					fail(fmt.Sprintf("bulk client %d", w), err)
				}
			}
		}(w)
	}
	// Two clients schedule one-time campaigns meanwhile: their pending
	// lists are written while users are being marked.
	for w := 0; w < 2; w++ {
		names := make([]string, 4)
		for i := range names {
			names[i] = fmt.Sprintf("race %d-%d", w, i)
			if _, err := campaign.Create(ctx, d.db, d.org.ID, names[i], rules.OneTime, nil); err != nil {
				t.Fatal(err)
			}
		}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for _, name := range names {
				if _, err := campaign.Schedule(ctx, d.db, d.org.ID, name); err != nil {
					fail(fmt.Sprintf("schedule client %d", w), err)
				}
			}
		}(w)
	}
	agents := []string{seed.Owner, seed.Asha, seed.Ravi}
	labels := []string{"vip", "billing", "urgent 😀", "follow-up"}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(100 + w)))
			actors := []directory.Actor{d.owner, d.asha}
			for i := 0; i < 60; i++ {
				ref := input.Ref{ID: int64(rng.Intn(users) + 1)}
				actor := actors[rng.Intn(len(actors))]
				var err error
				switch rng.Intn(4) {
				case 0:
					_, err = inbox.Assign(ctx, d.db, actor, ref, agents[rng.Intn(len(agents))])
				case 1:
					_, err = inbox.Unassign(ctx, d.db, actor, ref)
				case 2:
					_, err = inbox.SetLabel(ctx, d.db, actor, ref, labels[rng.Intn(len(labels))])
				default:
					_, err = inbox.ClearLabel(ctx, d.db, actor, ref)
				}
				var refusal *rules.Refusal
				switch {
				case err == nil:
					changes.Add(1)
				case errors.As(err, &refusal) || errs.ExitCode(err) == errs.Refused:
					refusals.Add(1)
				default:
					fail(fmt.Sprintf("inbox client %d", w), err)
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range failures {
		t.Errorf("an error reached a user: %v", err)
	}
	t.Logf("%d assign/label changes, %d refused because the user was spam", changes.Load(), refusals.Load())
	if n := d.count(t, `SELECT count(*) FROM campaign_recipients r JOIN campaigns c ON c.org_id = r.org_id AND c.id = r.campaign_id WHERE c.name LIKE 'race %'`); n != 8*users {
		t.Errorf("%d entries in the scheduled lists, want %d", n, 8*users)
	}
	if changes.Load() == 0 || refusals.Load() == 0 {
		t.Fatalf("the race did not happen: %d changes, %d refusals", changes.Load(), refusals.Load())
	}
	d.invariants(t)
}
