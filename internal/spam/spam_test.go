package spam_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

type fixture struct {
	db                *store.DB
	org               directory.Org
	owner, asha, ravi directory.Actor
}

func newFixture(t *testing.T, users int) fixture {
	t.Helper()
	d := testdb.SeedDemo(t, users)
	return fixture{db: d.DB, org: d.Org, owner: d.Owner, asha: d.Asha, ravi: d.Ravi}
}

func (fx fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := fx.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// invariants fails unless every rule holds over every org, and the tallies
// campaign check reads equal the rows (store.RuleViolations).
func (fx fixture) invariants(t *testing.T) {
	t.Helper()
	if v, err := store.RuleViolations(context.Background(), fx.db, 0); err != nil || len(v) > 0 {
		t.Errorf("%d rule violations (%s) %v", v.Rows(), v, err)
	}
}

func TestMarkAndUnmarkWholeEffect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 40)
	// A scheduled one-time campaign with every user pending, and one sent entry.
	if _, err := fx.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT u.org_id, c.id, u.id, CASE WHEN u.id = 2 THEN 'sent' ELSE 'pending' END FROM users u, campaigns c WHERE c.name = 'Diwali Sale'`); err != nil {
		t.Fatal(err)
	}
	// Written around inboxctl: recount the tallies, so the invariants hold them to the rows.
	if _, err := fx.db.RepairTallies(ctx, fx.org.ID, true); err != nil {
		t.Fatal(err)
	}
	refs := []string{seed.Phone(1), "2", seed.Phone(3)}
	sum, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs, Reason: "abusive"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requested != 3 || sum.Changed != 3 || sum.BatchID == nil {
		t.Fatalf("summary %+v", sum)
	}
	fx.invariants(t)
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam AND spam_reason = 'abusive' AND spam_batch_id = $1 AND traits->>'Marked as Spam' = 'Yes'`, *sum.BatchID); n != 3 {
		t.Fatalf("%d users fully marked", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients WHERE status = 'excluded' AND reason = 'spam'`); n != 2 {
		t.Fatalf("%d entries excluded, want 2 (the sent one stays)", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients WHERE user_id = 2 AND status = 'sent'`); n != 1 {
		t.Fatal("a sent entry changed")
	}
	card, err := directory.ShowUser(ctx, fx.db, fx.org.ID, input.Ref{ID: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !card.Spam || *card.SpamMarkedBy != seed.Owner || *card.SpamReason != "abusive" || card.Traits[rules.SpamTrait] != "Yes" ||
		len(card.Timeline) != 1 || card.Timeline[0].Event != "marked_spam" || *card.Timeline[0].BatchID != *sum.BatchID {
		t.Fatalf("card %+v", card)
	}

	// Idempotent: marking again changes nothing.
	again, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
	if err != nil || again.Changed != 0 || again.Unchanged != 3 {
		t.Fatalf("mark again: %+v %v", again, err)
	}
	un, err := spam.Unmark(ctx, fx.db, fx.asha, spam.Request{Batch: *sum.BatchID})
	if err != nil || un.Changed != 3 {
		t.Fatalf("unmark batch: %+v %v", un, err)
	}
	fx.invariants(t)
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients WHERE status = 'pending'`); n != 39 {
		t.Fatalf("%d pending after unmark, want 39", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE traits->>'Marked as Spam' = 'No'`); n != 3 {
		t.Fatalf("trait No on %d users", n)
	}
	// Unmarking again: unchanged; the batch has no spam user left.
	un, err = spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Batch: *sum.BatchID})
	if err != nil || un.Changed != 0 {
		t.Fatalf("unmark again: %+v %v", un, err)
	}
	_, err = spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Batch: 999999})
	if errs.ExitCode(err) != errs.NotFound {
		t.Fatalf("unknown batch: %v", err)
	}
}

func TestUnmarkKeepsExclusionsOfCampaignsThatRan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 10)
	fx.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT u.org_id, c.id, u.id, 'pending' FROM users u, campaigns c WHERE c.name = 'Diwali Sale' AND u.id = 1`)
	if _, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	fx.db.Exec(`UPDATE campaigns SET last_run_at = now(), runs = 1 WHERE name = 'Diwali Sale'`)
	if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1"}}); err != nil {
		t.Fatal(err)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients WHERE status = 'excluded' AND reason = 'spam'`); n != 1 {
		t.Fatal("an exclusion of a campaign that ran went back to pending")
	}
}

func TestFailuresChangeNothingAndOrderExitCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 12)
	// Ravi (assigned access) sees users assigned to him (i%4==1) and
	// unassigned ones (i%4==3); user 4 is asha's: refused to him.
	file := "# spammers\n" + seed.Phone(1) + "\n\nnot-a-ref\n+4470000000099\n" + seed.Phone(4) + "\n" + seed.Phone(1) + "\n"
	cases := []struct {
		name string
		req  spam.Request
		code errs.Code
	}{
		{"all kinds", spam.Request{}, errs.Usage},
		{"skip invalid", spam.Request{SkipInvalid: true}, errs.NotFound},
		{"skip invalid and missing", spam.Request{SkipInvalid: true, SkipMissing: true}, errs.Refused},
	}
	for _, c := range cases {
		c.req.File = strings.NewReader(file)
		_, err := spam.Mark(ctx, fx.db, fx.ravi, c.req)
		if errs.ExitCode(err) != c.code {
			t.Fatalf("%s: exit %d (%v), want %d", c.name, errs.ExitCode(err), err, c.code)
		}
		if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`); n != 0 {
			t.Fatalf("%s: %d users marked", c.name, n)
		}
	}
	_, err := spam.Mark(ctx, fx.db, fx.ravi, spam.Request{File: strings.NewReader(file)})
	if _, details := reported(err); len(details) != 3 || !strings.HasPrefix(details[0], "line 4: invalid") ||
		!strings.HasPrefix(details[1], "line 5: +4470000000099") || !strings.HasPrefix(details[2], "line 6: "+seed.Phone(4)+": refused") {
		t.Fatalf("details: %q", details)
	}
	var statuses []string
	sum, err := spam.Mark(ctx, fx.db, fx.ravi, spam.Request{File: strings.NewReader(file), SkipInvalid: true, SkipMissing: true, SkipRefused: true,
		OnRef: func(s spam.RefStatus) error {
			statuses = append(statuses, fmt.Sprintf("%s:%d:%s", s.Ref, *s.Line, s.Status))
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := spam.Summary{BatchID: sum.BatchID, Requested: 4, Changed: 1, Invalid: 1, NotFound: 1, Refused: 1, Skipped: 3}
	if sum != want {
		t.Fatalf("summary %+v, want %+v", sum, want)
	}
	wantStatuses := []string{seed.Phone(1) + ":2:marked", "not-a-ref:4:invalid", "+4470000000099:5:not_found", seed.Phone(4) + ":6:refused"}
	if strings.Join(statuses, " ") != strings.Join(wantStatuses, " ") {
		t.Fatalf("statuses %v, want %v", statuses, wantStatuses)
	}
	fx.invariants(t)
}

func TestDryRunChangesNothingAndCountsExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 20)
	sum, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"1", "2", "3"}, DryRun: true})
	if err != nil || sum.Changed != 3 || !sum.DryRun || sum.BatchID != nil {
		t.Fatalf("dry run: %+v %v", sum, err)
	}
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`) + fx.count(t, `SELECT count(*) FROM spam_batches`); n != 0 {
		t.Fatal("dry run changed data")
	}
}

// TestOutcomesAgreeWithRules is the differential test of rule 8: on
// generated data, the SQL's per-user outcome of a mark, an unmark and a
// mark with an expiry equals rules.MarkOutcome, rules.UnmarkOutcome and
// rules.MarkUntilOutcome, for every agent.
func TestOutcomesAgreeWithRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 0)
	rng := rand.New(rand.NewSource(7))
	var agents []directory.Actor
	for i := 0; i < 6; i++ {
		access := []string{"all", "assigned"}[i%2]
		a, err := directory.AddAgent(ctx, fx.db, fx.org.ID, fmt.Sprintf("a%d@gen.test", i), access, "teammate", "")
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, directory.Actor{Org: fx.org, Agent: a})
	}
	const n = 2000
	if _, err := seed.Demo(ctx, fx.db, 0); err == nil {
		t.Fatal("seeding twice should fail")
	}
	fx.db.Exec(`INSERT INTO users (org_id, phone) SELECT $1, '+4470' || lpad(i::text, 8, '0') FROM generate_series(1, $2::int) i`, fx.org.ID, n)
	fx.db.Exec(`INSERT INTO chats (org_id, user_id) SELECT org_id, id FROM users WHERE org_id = $1`, fx.org.ID)
	// Random assignments (one statement), then random marks by random
	// agents.
	type assignment struct {
		UserID   int64  `json:"user_id"`
		Assignee *int64 `json:"assignee_id"`
	}
	assignments := make([]assignment, 0, n)
	for id := int64(1); id <= n; id++ {
		a := assignment{UserID: id}
		if r := rng.Intn(len(agents) + 1); r < len(agents) {
			a.Assignee = &agents[r].Agent.ID
		}
		assignments = append(assignments, a)
	}
	doc, err := json.Marshal(assignments)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Exec(`UPDATE chats c SET assignee_id = x.assignee_id
		FROM jsonb_to_recordset($1::jsonb) AS x(user_id bigint, assignee_id bigint) WHERE c.user_id = x.user_id`, string(doc)); err != nil {
		t.Fatal(err)
	}
	var marks []string
	for id := 1; id <= n; id++ {
		if rng.Intn(3) == 0 {
			marks = append(marks, fmt.Sprint(id))
		}
	}
	for i := 0; i < len(marks); i += 50 {
		end := min(i+50, len(marks))
		by := agents[rng.Intn(len(agents))]
		if _, err := spam.Mark(ctx, fx.db, by, spam.Request{Refs: marks[i:end], SkipRefused: true}); err != nil {
			t.Fatal(err)
		}
	}
	chats := map[int64]rules.Chat{}
	rows, err := fx.db.Query(`SELECT c.user_id, u.spam, coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0) FROM chats c JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var c rules.Chat
		rows.Scan(&id, &c.Spam, &c.AssigneeID, &c.MarkedBy)
		chats[id] = c
	}
	rows.Close()
	all := make([]string, 0, len(chats))
	for id := range chats {
		all = append(all, fmt.Sprint(id))
	}
	for _, a := range agents {
		for _, op := range []struct {
			name   string
			do     func(context.Context, *store.DB, directory.Actor, spam.Request) (spam.Summary, error)
			want   func(rules.Agent, rules.Chat) rules.Outcome
			expiry input.Expiry
		}{{"mark", spam.Mark, rules.MarkOutcome, input.Expiry{}}, {"unmark", spam.Unmark, rules.UnmarkOutcome, input.Expiry{}},
			{"mark --for", spam.Mark, func(a rules.Agent, c rules.Chat) rules.Outcome { return rules.MarkUntilOutcome(a, c, false) }, input.Expiry{For: time.Hour}}} {
			mismatches := 0
			_, err := op.do(ctx, fx.db, a, spam.Request{Refs: all, DryRun: true, SkipRefused: true, Expiry: op.expiry, OnRef: func(s spam.RefStatus) error {
				want := op.want(a.Agent.Rule(), chats[*s.UserID])
				if string(want) != s.Status {
					mismatches++
					if mismatches < 5 {
						t.Errorf("%s by %s (%s) of user %d %+v: SQL says %s, rules say %s", op.name, a.Agent.Email, a.Agent.Access, *s.UserID, chats[*s.UserID], s.Status, want)
					}
				}
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if mismatches > 0 {
				t.Errorf("%s by %s: %d mismatches", op.name, a.Agent.Email, mismatches)
			}
		}
	}
	fx.invariants(t)
}

// TestConcurrentBulkMarks runs bulk marks and unmarks of overlapping sets
// at once: no error reaches the caller and every rule holds afterwards.
func TestConcurrentBulkMarks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 3000)
	fx.db.Exec(`INSERT INTO campaign_recipients (org_id, campaign_id, user_id, status)
		SELECT u.org_id, c.id, u.id, 'pending' FROM users u, campaigns c WHERE c.name = 'Diwali Sale'`)
	// Written around inboxctl: recount the tallies, so the invariants hold them to the rows.
	if _, err := fx.db.RepairTallies(ctx, fx.org.ID, true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 8; i++ {
				var refs []string
				start := rng.Intn(2000)
				for id := start; id < start+800; id++ {
					refs = append(refs, fmt.Sprint(id+1))
				}
				// Shuffled input order: the locking order must not depend on it.
				rng.Shuffle(len(refs), func(i, j int) { refs[i], refs[j] = refs[j], refs[i] })
				var err error
				if (w+i)%2 == 0 {
					_, err = spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
				} else {
					_, err = spam.Unmark(ctx, fx.db, fx.asha, spam.Request{Refs: refs})
				}
				if err != nil {
					errc <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("a concurrent bulk change failed: %v", err)
	}
	fx.invariants(t)
}

// TestKilledConnectionLeavesNothing terminates a bulk mark's backend while
// it waits for a row lock: no user is marked.
func TestKilledConnectionLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 500)
	blocker, err := fx.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.Exec(`SELECT 1 FROM users WHERE id = 400 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	var dbname string
	fx.db.QueryRow(`SELECT current_database()`).Scan(&dbname)
	refs := make([]string, 500)
	for i := range refs {
		refs[i] = fmt.Sprint(i + 1)
	}
	done := make(chan error, 1)
	go func() {
		_, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
		done <- err
	}()
	// Wait until the mark waits on the lock, then kill its backend.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var killed bool
		err := testdb.Admin().QueryRow(`SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_stat_activity
			WHERE datname = $1 AND application_name = 'inboxctl' AND wait_event_type = 'Lock'`, dbname).Scan(&killed)
		if err != nil {
			t.Fatal(err)
		}
		if killed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the mark never waited on the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	err = <-done
	if errs.ExitCode(err) != errs.Unexpected || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("want a clear exit-1 error, got %v", err)
	}
	blocker.Rollback()
	if n := fx.count(t, `SELECT count(*) FROM users WHERE spam`); n != 0 {
		t.Fatalf("%d users marked after the connection was killed", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM chat_events`) + fx.count(t, `SELECT count(*) FROM spam_batches`); n != 0 {
		t.Fatal("events or batches left behind")
	}
	// Running it again completes.
	sum, err := spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
	if err != nil || sum.Changed != 500 {
		t.Fatalf("rerun: %+v %v", sum, err)
	}
}

// A user flagged spam around inboxctl (psql: no marker, no time) is
// listed with an empty marked_at, not a scan error.
func TestListUserFlaggedAroundInboxctl(t *testing.T) {
	fx := newFixture(t, 10)
	testdb.WithoutRuleGuards(t, fx.db)
	for _, q := range []string{`UPDATE users SET spam = true WHERE id = 4`, `UPDATE chats SET folder = 'spam' WHERE user_id = 4`} {
		if _, err := fx.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var got []spam.Entry
	err := spam.List(context.Background(), fx.db, fx.owner, spam.ListOptions{}, func(e spam.Entry) error {
		got = append(got, e)
		return nil
	})
	if err != nil || len(got) != 1 || got[0].UserID != 4 || got[0].MarkedAt != nil {
		t.Fatalf("list: %+v, %v", got, err)
	}
}
