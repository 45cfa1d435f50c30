package reliability

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/seed"
)

type inboxPage struct {
	Items []struct {
		UserID      int64   `json:"user_id"`
		Label       *string `json:"label"`
		LastMessage *string `json:"last_message"`
	} `json:"items"`
}

func listFolder(t *testing.T, d demo, args ...string) inboxPage {
	t.Helper()
	r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, append([]string{"inbox", "list", "--folder", "all", "--limit", "1000", "-o", "json"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("inbox list:\n%s", r)
	}
	var p inboxPage
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
		t.Fatalf("inbox list: %v\n%s", err, r.Stdout)
	}
	return p
}

// TestLabelAndMessageRoundTrips: labels (up to 22 characters) and message
// text (up to 4096) come back byte for byte from `user show`, `inbox list`
// and `notifications list` -o json; one character more is exit 2.
func TestLabelAndMessageRoundTrips(t *testing.T) {
	t.Parallel()
	var labels []string
	ok, _ := plain()
	for _, h := range ok {
		// Labels are trimmed; the hostile ones that fit are used as they are.
		if utf8.RuneCountInString(h) <= input.MaxLabelLen && h == strings.TrimSpace(h) {
			labels = append(labels, h)
		}
	}
	labels = append(labels, `a"b\c'd`, `'); DROP TABLE labels;`, "%s$1{{.}}", atLimit(input.MaxLabelLen))
	messages := append(append([]string{}, hostile...), atLimit(input.MaxTextLen))
	d := newDemo(t, max(len(labels), len(messages)))
	owner := d.env("INBOXCTL_AGENT=" + seed.Owner)
	for i, l := range labels {
		if r := run(t, owner, nil, "chat", "label", "set", fmt.Sprint(i+1), l); r.Code != 0 {
			t.Fatalf("label set %q:\n%s", l, r)
		}
		c := showUser(t, d, fmt.Sprint(i+1))
		if c.Label == nil || *c.Label != l {
			t.Errorf("label %q came back on the card as %v", l, c.Label)
		}
		p := listFolder(t, d, "--label", l)
		if len(p.Items) != 1 || p.Items[0].UserID != int64(i+1) || p.Items[0].Label == nil || *p.Items[0].Label != l {
			t.Errorf("inbox list --label %q: %+v", l, p.Items)
		}
	}
	r := run(t, owner, nil, "label", "list", "-o", "json")
	for _, l := range labels {
		b, _ := json.Marshal(l)
		if !strings.Contains(r.Stdout, string(b)) {
			t.Errorf("label list lacks %s:\n%s", b, r.Stdout)
		}
	}
	for i, m := range messages {
		if r := run(t, owner, nil, "message", "send", fmt.Sprint(i+1), "--text", m); r.Code != 0 {
			t.Fatalf("message send %q:\n%s", m, r)
		}
	}
	got := map[int64]string{}
	for _, it := range listFolder(t, d).Items {
		if it.LastMessage != nil {
			got[it.UserID] = *it.LastMessage
		}
	}
	for i, m := range messages {
		if got[int64(i+1)] != m {
			t.Errorf("message %q came back from inbox list as %q", m, got[int64(i+1)])
		}
	}
	// Inbound text reaches the notifications as it was sent.
	for _, m := range hostile[:4] {
		if r := run(t, d.env(), nil, "message", "receive", "--from", seed.Phone(3), "--text", m); r.Code != 0 {
			t.Fatalf("message receive %q:\n%s", m, r)
		}
	}
	r = run(t, owner, nil, "notifications", "list", "-o", "json")
	var notes []struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &notes); err != nil {
		t.Fatalf("notifications list: %v\n%s", err, r)
	}
	texts := map[string]bool{}
	for _, n := range notes {
		texts[n.Text] = true
	}
	for _, m := range hostile[:4] {
		if !texts[m] {
			t.Errorf("notification text %q did not come back: %v", m, texts)
		}
	}
	// Over the limits: exit 2, nothing changed.
	over := []struct {
		args []string
		want string
	}{
		{[]string{"chat", "label", "set", "1", atLimit(input.MaxLabelLen + 1)}, "abel is 23 characters long; the limit is 22"},
		{[]string{"message", "send", "1", "--text", atLimit(input.MaxTextLen + 1)}, "is 4097 characters long; the limit is 4096"},
		{[]string{"message", "send", "1", "--text", "bad \xff byte"}, "not valid UTF-8"},
		{[]string{"chat", "label", "set", "1", "bad\xff"}, "not valid UTF-8"},
	}
	for _, o := range over {
		r := run(t, owner, nil, o.args...)
		if r.Code != 2 || !strings.Contains(r.Stderr, o.want) {
			t.Errorf("%s: want exit 2 and %q:\n%s", o.args[:2], o.want, r)
		}
		noLeak(t, r)
	}
	if c := showUser(t, d, "1"); c.Label == nil || *c.Label != labels[0] {
		t.Errorf("a refused label changed the chat: %v", c.Label)
	}
}

// TestHostileFlagValues: junk and SQL in flag values are usage errors (or
// not found) in one sentence, never a database error.
func TestHostileFlagValues(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 2)
	owner := d.env("INBOXCTL_AGENT=" + seed.Owner)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"inbox", "list", "--folder", "all", "--after", "'); DROP TABLE chats; --"}, 2},
		{[]string{"inbox", "list", "--folder", "all", "--after", "\xff\xfe"}, 2},
		{[]string{"inbox", "list", "--folder", "all' OR '1'='1"}, 2},
		{[]string{"inbox", "list", "--folder", "all", "--limit", "-1"}, 2},
		{[]string{"inbox", "list", "--folder", "all", "--label", "'); DROP TABLE labels;"}, 3},
		{[]string{"spam", "list", "--org", "demo'; DROP TABLE orgs; --"}, 3},
		{[]string{"spam", "list", "--as", "x'); DROP TABLE agents; --@y.z"}, 3},
		{[]string{"spam", "mark", "1", "--by", "phone' --", "--yes"}, 2},
		{[]string{"spam", "unmark", "--batch", "1; DROP TABLE users", "--yes"}, 2},
		{[]string{"spam", "list", "-o", "json'"}, 2},
		{[]string{"chat", "assign", "1", "--to", "'); DROP TABLE agents; --"}, 3},
	} {
		r := run(t, owner, nil, c.args...)
		if r.Code != c.code {
			t.Errorf("%q: want exit %d:\n%s", c.args, c.code, r)
			continue
		}
		if c.code != 0 {
			oneSentence(t, r)
		}
	}
	if n := d.count(t, `SELECT count(*) FROM users`) + d.count(t, `SELECT count(*) FROM chats`); n != 4 {
		t.Fatalf("%d rows: something ran", n)
	}
}
