package campaign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

type fixture struct {
	db    *store.DB
	org   directory.Org
	owner directory.Actor
}

func newFixture(t *testing.T, users int) fixture {
	t.Helper()
	d := testdb.SeedDemo(t, users)
	// These tests stage lists and flags written around inboxctl, which the
	// rule guards would refuse or correct (tested in internal/reliability).
	testdb.WithoutRuleGuards(t, d.DB)
	return fixture{db: d.DB, org: d.Org, owner: d.Owner}
}

func (fx fixture) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := fx.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (fx fixture) mark(t *testing.T, refs ...string) {
	t.Helper()
	if _, err := spam.Mark(context.Background(), fx.db, fx.owner, spam.Request{Refs: refs}); err != nil {
		t.Fatal(err)
	}
}

func code(err error) errs.Code { return errs.ExitCode(err) }

// TestAudienceAgreesWithRules holds the audience SQL (store.AudienceWhere)
// against rules.InAudience on users with random traits and spam flags, for
// random segments.
func TestAudienceAgreesWithRules(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 1500)
	rng := rand.New(rand.NewSource(7))
	domain := map[string][]string{
		"city": {"Delhi", "Pune", "Mumbai"},
		"tier": {"gold", "silver"},
		"lang": {"en", "hi", `it's "quoted"`},
		"plan": {"a", "b", "c", "d"},
	}
	keys := []string{"city", "tier", "lang", "plan"}
	type user struct {
		traits map[string]string
		spam   bool
	}
	users := map[int64]user{}
	type row struct {
		ID     int64             `json:"id"`
		Traits map[string]string `json:"traits"`
		Spam   bool              `json:"spam"`
	}
	var rows []row
	for id := int64(1); id <= 1500; id++ {
		tr := map[string]string{}
		for _, k := range keys {
			if rng.Intn(4) > 0 { // some users lack a trait
				tr[k] = domain[k][rng.Intn(len(domain[k]))]
			}
		}
		u := user{traits: tr, spam: rng.Intn(5) == 0}
		rows = append(rows, row{ID: id, Traits: tr, Spam: u.spam})
		users[id] = u
	}
	// The users' traits and flags, written in one statement.
	doc, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Exec(`UPDATE users u SET traits = x.traits, spam = x.spam, spam_marked_at = CASE WHEN x.spam THEN now() END
		FROM jsonb_to_recordset($2::jsonb) AS x(id bigint, traits jsonb, spam boolean)
		WHERE u.org_id = $1 AND u.id = x.id`, fx.org.ID, string(doc)); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.Exec(`ANALYZE users`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		seg := rules.Segment{}
		for _, k := range keys {
			if rng.Intn(3) == 0 {
				vals := append(domain[k], "nobody-has-this")
				seg[k] = vals[rng.Intn(len(vals))]
			}
		}
		name := fmt.Sprintf("segment %d", i)
		if _, err := campaign.Create(ctx, fx.db, fx.org.ID, name, rules.Ongoing, seg); err != nil {
			t.Fatal(err)
		}
		var got []int64
		if err := campaign.Audience(ctx, fx.db, fx.org.ID, name, func(m campaign.Member) error {
			got = append(got, m.UserID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var want []int64
		for id := int64(1); id <= 1500; id++ {
			if rules.InAudience(seg, users[id].traits, users[id].spam) {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("segment %v: SQL audience has %d users, rules.InAudience %d (first SQL %v, first Go %v)",
				seg, len(got), len(want), head(got), head(want))
		}
		n, err := campaign.AudienceCount(ctx, fx.db, fx.org.ID, name)
		if err != nil || n != int64(len(want)) {
			t.Fatalf("segment %v: count %d (%v), want %d", seg, n, err, len(want))
		}
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 5)] }

// TestRecipientListsFollowMarks is rules 5 and 9 on a list: schedule, mark
// (excluded), unmark (pending), run (sent), mark (sent unchanged).
func TestRecipientListsFollowMarks(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 30)
	status := func(user int64) (string, string) {
		var st string
		var reason *string
		if err := fx.db.QueryRow(`SELECT r.status, r.reason FROM campaign_recipients r JOIN campaigns c ON c.org_id = r.org_id AND c.id = r.campaign_id
			WHERE c.name = 'Diwali Sale' AND r.user_id = $1`, user).Scan(&st, &reason); err != nil {
			t.Fatal(err)
		}
		if reason == nil {
			return st, ""
		}
		return st, *reason
	}
	fx.mark(t, "4")
	s, err := campaign.Schedule(ctx, fx.db, fx.org.ID, "Diwali Sale")
	if err != nil {
		t.Fatal(err)
	}
	if s.Pending != 9 || s.Excluded != 1 { // Pune: 1, 4, ..., 28
		t.Fatalf("schedule: %+v, want 9 pending and 1 excluded", s)
	}
	if st, r := status(4); st != "excluded" || r != "spam" {
		t.Fatalf("user 4 scheduled as %s (%s)", st, r)
	}
	// Scheduling again adds nothing and keeps the entries.
	if s, err := campaign.Schedule(ctx, fx.db, fx.org.ID, "Diwali Sale"); err != nil || s.Pending+s.Excluded != 0 {
		t.Fatalf("reschedule: %+v, %v", s, err)
	}
	fx.mark(t, "7")
	if st, r := status(7); st != "excluded" || r != "spam" {
		t.Fatalf("after mark user 7 is %s (%s)", st, r)
	}
	if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"7"}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(7); st != "pending" {
		t.Fatalf("after unmark user 7 is %s", st)
	}
	r, err := campaign.Run(ctx, fx.db, fx.org.ID, "Diwali Sale")
	if err != nil || r.Sent != 9 || r.Run != 1 {
		t.Fatalf("run: %+v, %v", r, err)
	}
	fx.mark(t, "10")
	if st, _ := status(10); st != "sent" {
		t.Fatalf("a mark after the run changed sent to %s", st)
	}
	if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"4"}}); err != nil {
		t.Fatal(err)
	}
	if st, r := status(4); st != "excluded" || r != "spam" {
		t.Fatalf("an unmark after the run changed user 4 to %s (%s)", st, r)
	}
	if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, "Diwali Sale"); code(err) != errs.Refused {
		t.Fatalf("schedule after the run: %v, want exit 4", err)
	}
}

func TestOngoingRunSendsToTheAudienceNow(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 20)
	fx.mark(t, "3", "5")
	r, err := campaign.Run(ctx, fx.db, fx.org.ID, "Welcome Series")
	if err != nil || r.Sent != 18 {
		t.Fatalf("run 1: %+v, %v", r, err)
	}
	if _, err := spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: []string{"3"}}); err != nil {
		t.Fatal(err)
	}
	r, err = campaign.Run(ctx, fx.db, fx.org.ID, "Welcome Series")
	if err != nil || r.Sent != 19 || r.Run != 2 {
		t.Fatalf("run 2: %+v, %v", r, err)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id WHERE u.id = 5`); n != 0 {
		t.Fatalf("the spam user got %d sent entries", n)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 30)
	if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, "Diwali Sale"); err != nil {
		t.Fatal(err)
	}
	fx.mark(t, "7")
	res, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true})
	// 9 pending entries of Diwali Sale, and the one spam user tested
	// against the audience of Welcome Series (ongoing).
	if err != nil || !res.OK || res.Checked != 9+1 {
		t.Fatalf("clean check: %+v, %v", res, err)
	}

	// A list written around inboxctl (say, by an older sender) that has a
	// spam user pending is what the check exists for.
	if _, err := fx.db.Exec(`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = 7`); err != nil {
		t.Fatal(err)
	}
	res, err = campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Names: []string{"Diwali Sale", "Welcome Series"}})
	if err != nil || res.OK || len(res.Offenders) != 1 || res.Offenders[0].Campaign != "Diwali Sale" || res.Offenders[0].UserID != 7 || res.Offenders[0].MarkedAt == nil {
		t.Fatalf("offender check: %+v, %v", res, err)
	}

	files := map[string]struct {
		in        string
		checked   int64
		offenders []int64
	}{
		"lines":       {"# export\n+91 98000 00001\n\n+919800000007\n+91-9800-000007\n+919899999999\n", 3, []int64{7}},
		"csv":         {"name,phone,city\nOne,+919800000001,Pune\n\"Seven, Jr\",+919800000007,Pune\n", 2, []int64{7}},
		"csv bom":     {"\ufeffphone\n+919800000002\n", 1, nil},
		"crlf":        {"+919800000002\r\n+919800000003\r\n", 2, nil},
		"only header": {"phone\n", 0, nil},
	}
	for name, tc := range files {
		res, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Recipients: strings.NewReader(tc.in)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []int64
		for _, o := range res.Offenders {
			if o.Campaign != "" {
				t.Errorf("%s: file offender with campaign %q", name, o.Campaign)
			}
			got = append(got, o.UserID)
		}
		if res.Checked != tc.checked || !slices.Equal(got, tc.offenders) || res.OK != (len(tc.offenders) == 0) {
			t.Errorf("%s: checked %d offenders %v ok %v, want %d %v", name, res.Checked, got, res.OK, tc.checked, tc.offenders)
		}
	}

	bad := map[string][]string{
		"lines":   {"+919800000001\nhello\n+919800000002\n42\n", "line 2: ", "line 4: "},
		"csv":     {"name,phone\nA,+919800000001\nB,nope\nC\n", "line 3: ", "line 4: "},
		"utf8":    {"+919800000001\n\xff\xfe\n", "line 2: not valid UTF-8"},
		"nul":     {"+919800000001\n+9198\x0000001\n", "line 2: contains a NUL byte"},
		"no col":  {"name,city\nA,Pune\n", "no phone column"},
		"csv nul": {"name,phone\nA,+9198\x0000001\n", "line 2: contains a NUL byte"},
	}
	for name, tc := range bad {
		_, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Recipients: strings.NewReader(tc[0])})
		if code(err) != errs.Usage {
			t.Fatalf("%s: %v, want exit 2", name, err)
		}
		var report bytes.Buffer
		errs.Report(&report, err)
		text := report.String()
		for _, want := range tc[1:] {
			if !strings.Contains(text, want) {
				t.Errorf("%s: error %q lacks %q", name, text, want)
			}
		}
	}

	if _, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{Names: []string{"Diwali Sale", "Nope", "Gone"}}); code(err) != errs.NotFound || !strings.Contains(err.Error(), `"Nope", "Gone"`) {
		t.Fatalf("unknown campaigns: %v", err)
	}
	if _, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{}); code(err) != errs.Usage {
		t.Fatalf("nothing to check: %v", err)
	}
	if _, err := campaign.Check(ctx, fx.db, fx.org.ID, campaign.CheckRequest{All: true, Names: []string{"Diwali Sale"}}); code(err) != errs.Usage {
		t.Fatalf("names and --all: %v", err)
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 3)
	for name, tc := range map[string]struct {
		name  string
		kind  campaign.Kind
		where []string
		want  errs.Code
	}{
		"empty name":      {"  ", rules.Ongoing, nil, errs.Usage},
		"long name":       {strings.Repeat("n", input.MaxNameLen+1), rules.Ongoing, nil, errs.Usage},
		"bad kind":        {"x", "weekly", nil, errs.Usage},
		"duplicate":       {"Diwali Sale", rules.OneTime, nil, errs.Usage},
		"spam trait":      {"x", rules.Ongoing, []string{"marked as spam=Yes"}, errs.Usage},
		"unicode is fine": {"दिवाली 'sale'; DROP TABLE users; --", rules.OneTime, []string{`city=Pu"ne`}, errs.OK},
	} {
		seg, err := input.ParseWhere(tc.where)
		if err != nil {
			t.Fatal(err)
		}
		c, err := campaign.Create(ctx, fx.db, fx.org.ID, tc.name, tc.kind, seg)
		if code(err) != tc.want {
			t.Errorf("%s: %v, want exit %d", name, err, tc.want)
		}
		if err == nil && (c.Name != tc.name || c.Segment["city"] != `Pu"ne`) {
			t.Errorf("%s: round trip gave %+v", name, c)
		}
	}
}

// TestScheduleAndRunRaceMarks runs schedules and runs of campaigns while
// marks and unmarks go on: afterwards no pending entry is a spam user and
// no excluded (spam) entry of a list not yet run is a non-spam user.
func TestScheduleAndRunRaceMarks(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, 400)
	for i := 0; i < 12; i++ {
		if _, err := campaign.Create(ctx, fx.db, fx.org.ID, fmt.Sprintf("race %d", i), rules.OneTime, nil); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, 100)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < 15; i++ {
				refs := make([]string, 40)
				for j := range refs {
					refs[j] = fmt.Sprint(1 + rng.Intn(400))
				}
				var err error
				if i%2 == 0 {
					_, err = spam.Mark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
				} else {
					_, err = spam.Unmark(ctx, fx.db, fx.owner, spam.Request{Refs: refs})
				}
				if err != nil {
					errc <- err
				}
			}
		}(w)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 12; i++ {
			name := fmt.Sprintf("race %d", i)
			if _, err := campaign.Schedule(ctx, fx.db, fx.org.ID, name); err != nil {
				errc <- err
			}
			if _, err := campaign.Run(ctx, fx.db, fx.org.ID, "Welcome Series"); err != nil {
				errc <- err
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("an error reached the caller: %v", err)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id WHERE r.status = 'pending' AND u.spam`); n != 0 {
		t.Errorf("%d pending entries are spam users", n)
	}
	if n := fx.count(t, `SELECT count(*) FROM campaign_recipients r JOIN users u ON u.org_id = r.org_id AND u.id = r.user_id JOIN campaigns c ON c.org_id = r.org_id AND c.id = r.campaign_id
		WHERE r.status = 'excluded' AND r.reason = 'spam' AND c.last_run_at IS NULL AND NOT u.spam`); n != 0 {
		t.Errorf("%d excluded entries of campaigns that have not run are non-spam users", n)
	}
}
