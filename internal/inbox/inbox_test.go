package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
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

func newFixture(t testing.TB, users int) fixture {
	t.Helper()
	d := testdb.SeedDemo(t, users)
	return fixture{db: d.DB, org: d.Org, owner: d.Owner, asha: d.Asha, ravi: d.Ravi}
}

func actorOf(t testing.TB, db *store.DB, org directory.Org, email string) directory.Actor {
	t.Helper()
	a, err := directory.ResolveAgent(context.Background(), db, org.ID, email)
	if err != nil {
		t.Fatal(err)
	}
	return directory.Actor{Org: org, Agent: a}
}

func (fx fixture) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := fx.db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (fx fixture) mark(t testing.TB, by directory.Actor, refs ...string) {
	t.Helper()
	if _, err := spam.Mark(context.Background(), fx.db, by, spam.Request{Refs: refs}); err != nil {
		t.Fatal(err)
	}
}

func (fx fixture) unmark(t testing.TB, by directory.Actor, refs ...string) {
	t.Helper()
	if _, err := spam.Unmark(context.Background(), fx.db, by, spam.Request{Refs: refs}); err != nil {
		t.Fatal(err)
	}
}

// ids lists a whole folder through pages of the given size.
func ids(t testing.TB, q store.Querier, actor directory.Actor, o inbox.ListOptions) []int64 {
	t.Helper()
	var out []int64
	for pages := 0; ; pages++ {
		p, err := inbox.List(context.Background(), q, actor, o)
		if err != nil {
			t.Fatalf("list %+v: %v", o, err)
		}
		for _, it := range p.Items {
			out = append(out, it.ChatID)
		}
		if p.NextCursor == "" {
			return out
		}
		if len(p.Items) == 0 || pages > 100000 {
			t.Fatal("a next cursor after an empty page")
		}
		o.After = p.NextCursor
	}
}

func ref(id int64) input.Ref { return input.Ref{ID: id} }

func exitCode(t *testing.T, err error, want errs.Code, what string) {
	t.Helper()
	if got := errs.ExitCode(err); got != want {
		t.Fatalf("%s: exit %d (%v), want %d", what, got, err, want)
	}
}

// Seeded users 1..12: assignee by i%4 (0 asha, 1 ravi, 2 owner, 3 nobody);
// activity grows with i, so folders list the highest id first.
func TestFoldersOfSeededData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 12)
	list := func(a directory.Actor, f rules.Folder) string {
		return fmt.Sprint(ids(t, fx.db, a, inbox.ListOptions{Folder: f, Limit: 5}))
	}
	want := map[string]string{
		"owner all": "[12 11 10 9 8 7 6 5 4 3 2 1]", "owner you": "[10 6 2]", "owner unassigned": "[11 7 3]", "owner spam": "[]",
		"ravi you": "[9 5 1]", "ravi unassigned": "[11 7 3]", "ravi spam": "[]",
	}
	check := func(stage string) {
		t.Helper()
		for k, w := range want {
			who, folder, _ := strings.Cut(k, " ")
			a := map[string]directory.Actor{"owner": fx.owner, "ravi": fx.ravi}[who]
			if got := list(a, rules.Folder(folder)); got != w {
				t.Errorf("%s: %s: %s, want %s", stage, k, got, w)
			}
		}
	}
	check("before marks")
	_, err := inbox.List(ctx, fx.db, fx.ravi, inbox.ListOptions{Folder: rules.FolderAll})
	exitCode(t, err, errs.Refused, "all for ravi")

	// Ravi marks an unassigned user (7) and his own (5); the owner marks asha's (8).
	fx.mark(t, fx.ravi, "7", "5")
	fx.mark(t, fx.owner, "8")
	want = map[string]string{
		"owner all": "[12 11 10 9 6 4 3 2 1]", "owner you": "[10 6 2]", "owner unassigned": "[11 3]", "owner spam": "[8 7 5]",
		"ravi you": "[9 1]", "ravi unassigned": "[11 3]", "ravi spam": "[7 5]",
	}
	check("after marks")
	p, err := inbox.List(ctx, fx.db, fx.owner, inbox.ListOptions{Folder: rules.FolderSpam})
	if err != nil || len(p.Items) != 3 || !p.Items[0].Spam || p.Items[0].Assignee == nil || *p.Items[0].Assignee != seed.Asha {
		t.Fatalf("spam page %+v %v", p, err)
	}
	// Unmark restores the folders by assignment.
	fx.unmark(t, fx.owner, "7", "5", "8")
	want = map[string]string{
		"owner all": "[12 11 10 9 8 7 6 5 4 3 2 1]", "owner you": "[10 6 2]", "owner unassigned": "[11 7 3]", "owner spam": "[]",
		"ravi you": "[9 5 1]", "ravi unassigned": "[11 7 3]", "ravi spam": "[]",
	}
	check("after unmark")

	// Label filter: vip is i%5==0, billing i%7==0.
	if got := fmt.Sprint(ids(t, fx.db, fx.owner, inbox.ListOptions{Folder: rules.FolderAll, Label: "vip"})); got != "[10 5]" {
		t.Errorf("vip: %s", got)
	}
	_, err = inbox.List(ctx, fx.db, fx.owner, inbox.ListOptions{Folder: rules.FolderAll, Label: "nope"})
	exitCode(t, err, errs.NotFound, "unknown label")
	for _, o := range []inbox.ListOptions{
		{Folder: rules.FolderAll, Limit: inbox.MaxLimit + 1},
		{Folder: rules.FolderAll, Limit: -1},
		{Folder: "inbox"},
		{Folder: rules.FolderAll, After: "garbage"},
		{Folder: rules.FolderAll, Label: strings.Repeat("x", 23)},
	} {
		_, err := inbox.List(ctx, fx.db, fx.owner, o)
		exitCode(t, err, errs.Usage, fmt.Sprintf("%+v", o))
	}
	if p, err := inbox.List(ctx, fx.db, fx.owner, inbox.ListOptions{Folder: rules.FolderAll, Limit: inbox.MaxLimit}); err != nil || len(p.Items) != 12 || p.NextCursor != "" {
		t.Fatalf("limit %d: %d items, cursor %q, %v", inbox.MaxLimit, len(p.Items), p.NextCursor, err)
	}
}

func TestFrozenChatRefusesEveryAction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 12)
	if _, err := inbox.SetLabel(ctx, fx.db, fx.owner, ref(4), "urgent"); err != nil {
		t.Fatal(err)
	}
	fx.mark(t, fx.owner, "4")
	snapshot := func() string {
		var s string
		if err := fx.db.QueryRow(`SELECT format('%s|%s|%s|%s|%s', c.assignee_id, c.label_id, c.activity_at, c.last_message,
			(SELECT count(*) FROM chat_events) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM labels))
			FROM chats c WHERE user_id = 4`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	actions := map[string]func(a directory.Actor) error{
		"assign":   func(a directory.Actor) error { _, err := inbox.Assign(ctx, fx.db, a, ref(4), seed.Ravi); return err },
		"unassign": func(a directory.Actor) error { _, err := inbox.Unassign(ctx, fx.db, a, ref(4)); return err },
		"label set": func(a directory.Actor) error {
			_, err := inbox.SetLabel(ctx, fx.db, a, ref(4), "brand new")
			return err
		},
		"label clear": func(a directory.Actor) error { _, err := inbox.ClearLabel(ctx, fx.db, a, ref(4)); return err },
		"send":        func(a directory.Actor) error { _, err := inbox.Send(ctx, fx.db, a, ref(4), "hi"); return err },
	}
	for name, do := range actions {
		err := do(fx.asha)
		exitCode(t, err, errs.Refused, name)
		if !strings.Contains(err.Error(), "marked as spam by "+seed.Owner) {
			t.Errorf("%s: %q does not say who marked the user", name, err)
		}
	}
	if after := snapshot(); after != before {
		t.Fatalf("a refused action changed the chat: %s -> %s", before, after)
	}
	// After the unmark every action works again and is recorded.
	fx.unmark(t, fx.owner, "4")
	for _, name := range []string{"assign", "unassign", "label set", "label clear", "send"} {
		if err := actions[name](fx.asha); err != nil {
			t.Fatalf("%s after unmark: %v", name, err)
		}
	}
	rows, err := fx.db.Query(`SELECT event || ':' || coalesce(detail, '') FROM chat_events WHERE user_id = 4 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	want := "labelled:urgent|marked_spam:|unmarked_spam:|assigned:ravi@demo.test (was asha@demo.test)|unassigned:ravi@demo.test|labelled:brand new (was urgent)|unlabelled:brand new"
	if strings.Join(got, "|") != want {
		t.Fatalf("timeline\n %s\nwant\n %s", strings.Join(got, "|"), want)
	}
	if n := fx.count(t, `SELECT count(*) FROM messages m JOIN chats c ON c.user_id = m.user_id
		WHERE m.user_id = 4 AND m.direction = 'outbound' AND c.last_message = 'hi' AND c.activity_at = m.at AND c.last_message_at = m.at`); n != 1 {
		t.Fatal("send did not store the message and move the activity")
	}
	if n := fx.count(t, `SELECT count(*) FROM labels WHERE name IN ('urgent', 'brand new')`); n != 2 {
		t.Fatal("labels were not created on first use")
	}
}

func TestActionPermissionsAndInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 12)
	// Ravi sees his chats (1, 5, 9) and unassigned ones (3, 7, 11), not asha's 4.
	_, err := inbox.Assign(ctx, fx.db, fx.ravi, ref(4), seed.Ravi)
	exitCode(t, err, errs.Refused, "ravi assigns asha's chat")
	_, err = inbox.Send(ctx, fx.db, fx.ravi, ref(4), "hello")
	exitCode(t, err, errs.Refused, "ravi messages asha's chat")
	if ch, err := inbox.Assign(ctx, fx.db, fx.ravi, ref(3), seed.Ravi); err != nil || !ch.Changed {
		t.Fatalf("ravi takes an unassigned chat: %+v %v", ch, err)
	}
	if ch, err := inbox.Assign(ctx, fx.db, fx.ravi, input.Ref{Phone: seed.Phone(3)}, seed.Ravi); err != nil || ch.Changed || ch.UserID != 3 {
		t.Fatalf("assign again: %+v %v", ch, err)
	}
	if ch, err := inbox.ClearLabel(ctx, fx.db, fx.ravi, ref(3)); err != nil || ch.Changed {
		t.Fatalf("clear a missing label: %+v %v", ch, err)
	}
	_, err = inbox.Assign(ctx, fx.db, fx.owner, ref(99), seed.Ravi)
	exitCode(t, err, errs.NotFound, "unknown user")
	_, err = inbox.Assign(ctx, fx.db, fx.owner, ref(1), "nobody@demo.test")
	exitCode(t, err, errs.NotFound, "unknown agent")
	for _, l := range []string{"", "   ", strings.Repeat("é", 23), "a\x00b"} {
		_, err = inbox.SetLabel(ctx, fx.db, fx.owner, ref(1), l)
		exitCode(t, err, errs.Usage, fmt.Sprintf("label %q", l))
	}
	if _, err := inbox.SetLabel(ctx, fx.db, fx.owner, ref(1), strings.Repeat("é", 22)); err != nil {
		t.Fatalf("a 22-character label: %v", err)
	}
	for _, text := range []string{"", " ", strings.Repeat("x", input.MaxTextLen+1)} {
		_, err = inbox.Send(ctx, fx.db, fx.owner, ref(1), text)
		exitCode(t, err, errs.Usage, "send text")
		_, err = inbox.Receive(ctx, fx.db, fx.org.ID, seed.Phone(1), text)
		exitCode(t, err, errs.Usage, "receive text")
	}
	_, err = inbox.Receive(ctx, fx.db, fx.org.ID, "12", "hi")
	exitCode(t, err, errs.Usage, "receive from a bad phone")
	labels, err := inbox.Labels(ctx, fx.db, fx.org.ID)
	if err != nil || len(labels) != 3 || labels[0].Name != "billing" || labels[0].Chats != 1 || labels[1].Name != "vip" || labels[1].Chats != 2 {
		t.Fatalf("labels %+v %v", labels, err)
	}
}

func TestReceiveNotifiesWhoCanSee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fx := newFixture(t, 12)
	notified := func(a directory.Actor) []string {
		var out []string
		if err := inbox.Notifications(ctx, fx.db, a, 0, func(n inbox.Notification) error {
			out = append(out, fmt.Sprintf("%d:%s", n.UserID, n.Text))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// A new phone: a new user and chat, unassigned, so all three agents see it.
	r, err := inbox.Receive(ctx, fx.db, fx.org.ID, "+44 7700 900123", "first")
	if err != nil || !r.NewUser || r.UserID != 13 || r.Notified != 3 || r.Spam {
		t.Fatalf("receive from a new phone: %+v %v", r, err)
	}
	p, err := inbox.List(ctx, fx.db, fx.ravi, inbox.ListOptions{Folder: rules.FolderUnassigned, Limit: 1})
	if err != nil || len(p.Items) != 1 || p.Items[0].ChatID != 13 || *p.Items[0].LastMessage != "first" || p.Items[0].Phone != "+447700900123" {
		t.Fatalf("the new chat is not on top of unassigned: %+v %v", p, err)
	}
	// Asha's chat: the two all-access agents only.
	if r, err := inbox.Receive(ctx, fx.db, fx.org.ID, seed.Phone(4), "to asha"); err != nil || r.NewUser || r.Notified != 2 {
		t.Fatalf("receive for asha's chat: %+v %v", r, err)
	}
	// A spam user: stored, activity moves, nobody notified.
	fx.mark(t, fx.ravi, "1")
	r, err = inbox.Receive(ctx, fx.db, fx.org.ID, seed.Phone(1), "from spam")
	if err != nil || r.Notified != 0 || !r.Spam {
		t.Fatalf("receive from a spam user: %+v %v", r, err)
	}
	p, err = inbox.List(ctx, fx.db, fx.ravi, inbox.ListOptions{Folder: rules.FolderSpam})
	if err != nil || len(p.Items) != 1 || *p.Items[0].LastMessage != "from spam" {
		t.Fatalf("spam folder: %+v %v", p, err)
	}
	// After the unmark, messages notify again (ravi: it is his chat).
	fx.unmark(t, fx.ravi, "1")
	if r, err := inbox.Receive(ctx, fx.db, fx.org.ID, seed.Phone(1), "back"); err != nil || r.Notified != 3 {
		t.Fatalf("receive after unmark: %+v %v", r, err)
	}
	if got := fmt.Sprint(notified(fx.ravi)); got != "[1:back 13:first]" {
		t.Errorf("ravi's notifications: %s", got)
	}
	if got := fmt.Sprint(notified(fx.owner)); got != "[1:back 4:to asha 13:first]" {
		t.Errorf("owner's notifications: %s", got)
	}
	if n := fx.count(t, `SELECT count(*) FROM messages WHERE direction = 'inbound' AND text = 'from spam'`); n != 1 {
		t.Fatal("the spam user's message was not stored")
	}
	err = inbox.Notifications(ctx, fx.db, fx.owner, 1, func(n inbox.Notification) error {
		if n.Text != "back" || n.Agent != seed.Owner || n.Phone != seed.Phone(1) {
			t.Errorf("newest notification %+v", n)
		}
		return errors.New("stop")
	})
	if err == nil || err.Error() != "stop" {
		t.Fatalf("the callback's error: %v", err)
	}
}
