package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// situation is a chat's state relative to the acting agent.
type situation struct {
	name     string
	assignee string // "", "self" or "other"
	markedBy string // "" (not spam), "self" or "other"
}

var situations = []situation{
	{"own", "self", ""},
	{"others'", "other", ""},
	{"unassigned", "", ""},
	{"spam marked by self", "", "self"},
	{"spam marked by self, assigned to other", "other", "self"},
	{"spam marked by other, assigned to self", "self", "other"},
	{"spam marked by other, assigned to other", "other", "other"},
	{"spam marked by other, unassigned", "", "other"},
}

// agentCommand is one command that acts for an agent: its arguments for a
// user, the exit code the rules predict, and what must hold afterwards.
type agentCommand struct {
	name string
	args func(ref string, actor directory.Actor) []string
	want func(a rules.Agent, c rules.Chat) errs.Code
	// after checks the result beyond the exit code (may be nil).
	after func(t *testing.T, d demo, r result, userID int64, a rules.Agent, before rules.Chat)
}

func outcomeCode(o rules.Outcome) errs.Code {
	if o == rules.Refused {
		return errs.Refused
	}
	return errs.OK
}

func refusalCode(err error) errs.Code {
	if err != nil {
		return errs.Refused
	}
	return errs.OK
}

// chatState reads a chat as the rules see it.
func (d demo) chatState(t *testing.T, userID int64) rules.Chat {
	t.Helper()
	var c rules.Chat
	if err := d.db.QueryRow(`SELECT u.spam, coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0)
		FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id WHERE u.id = $1`, userID).
		Scan(&c.Spam, &c.AssigneeID, &c.MarkedBy); err != nil {
		t.Fatal(err)
	}
	return c
}

// spamAfter checks the user's flag after a mark or unmark.
func spamAfter(outcome func(rules.Agent, rules.Chat) rules.Outcome) func(*testing.T, demo, result, int64, rules.Agent, rules.Chat) {
	return func(t *testing.T, d demo, r result, id int64, a rules.Agent, before rules.Chat) {
		o := outcome(a, before)
		wantSpam := before.Spam
		if o == rules.Marked {
			wantSpam = true
		}
		if o == rules.Unmarked {
			wantSpam = false
		}
		if got := d.chatState(t, id).Spam; got != wantSpam {
			t.Errorf("outcome %s: spam=%v afterwards, want %v", o, got, wantSpam)
		}
	}
}

// listed reports whether the user id appears in a JSON list output.
func listed(t *testing.T, out string, id int64) bool {
	t.Helper()
	var rows []struct {
		UserID int64 `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		var page struct {
			Items []struct {
				UserID int64 `json:"user_id"`
			} `json:"items"`
		}
		if err2 := json.Unmarshal([]byte(out), &page); err2 != nil {
			t.Fatalf("not a JSON list: %v\n%s", err, out)
		}
		for _, it := range page.Items {
			rows = append(rows, struct {
				UserID int64 `json:"user_id"`
			}{it.UserID})
		}
	}
	for _, r := range rows {
		if r.UserID == id {
			return true
		}
	}
	return false
}

// spamCommands are the agent commands of the spam feature.
func spamCommands() []agentCommand {
	return []agentCommand{
		{
			name:  "spam mark",
			args:  func(ref string, _ directory.Actor) []string { return []string{"spam", "mark", ref, "--yes"} },
			want:  func(a rules.Agent, c rules.Chat) errs.Code { return outcomeCode(rules.MarkOutcome(a, c)) },
			after: spamAfter(rules.MarkOutcome),
		},
		{
			name:  "spam unmark",
			args:  func(ref string, _ directory.Actor) []string { return []string{"spam", "unmark", ref, "--yes"} },
			want:  func(a rules.Agent, c rules.Chat) errs.Code { return outcomeCode(rules.UnmarkOutcome(a, c)) },
			after: spamAfter(rules.UnmarkOutcome),
		},
		{
			name: "spam list",
			args: func(string, directory.Actor) []string { return []string{"spam", "list", "-o", "json"} },
			want: func(rules.Agent, rules.Chat) errs.Code { return errs.OK },
			after: func(t *testing.T, d demo, r result, id int64, a rules.Agent, c rules.Chat) {
				if got, want := listed(t, r.Stdout, id), rules.InFolder(a, rules.FolderSpam, c); got != want {
					t.Errorf("listed=%v, rules.InFolder(spam)=%v", got, want)
				}
			},
		},
	}
}

// TestPermissionMatrix runs every command that acts for an agent, as an
// all-access and an assigned-access agent, on chats in every situation,
// and holds the CLI's exit code (and effect) against the rules package.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	commands := append(spamCommands(), inboxCommands()...)
	actors := []string{seed.Owner, seed.Ravi}
	n := len(commands) * len(actors) * len(situations)
	d := newDemo(t, n)
	// The cases are staged by SQL the rule guards refuse (a spam chat
	// assigned after the mark).
	testdb.WithoutRuleGuards(t, d.db)
	// A clean slate: the seed's assignments and labels are replaced by
	// each case's own.
	if _, err := d.db.Exec(`UPDATE chats SET assignee_id = NULL, label_id = NULL`); err != nil {
		t.Fatal(err)
	}
	other := d.asha
	id := int64(0)
	type job struct {
		cmd    agentCommand
		actor  directory.Actor
		sit    situation
		userID int64
	}
	var jobs []job
	for _, c := range commands {
		for _, email := range actors {
			actor := d.actor(t, email)
			for _, s := range situations {
				id++
				who := map[string]directory.Actor{"self": actor, "other": other}
				if s.assignee != "" {
					if _, err := d.db.Exec(`UPDATE chats SET assignee_id = $2 WHERE user_id = $1`, id, who[s.assignee].Agent.ID); err != nil {
						t.Fatal(err)
					}
				}
				if s.markedBy != "" {
					// The owner (all access) can mark any chat; for an
					// assigned agent marking a chat assigned to another,
					// mark it while unassigned and assign it afterwards.
					marker := who[s.markedBy]
					if _, err := d.db.Exec(`UPDATE chats SET assignee_id = NULL WHERE user_id = $1`, id); err != nil {
						t.Fatal(err)
					}
					if _, err := spam.Mark(ctx, d.db, marker, spam.Request{Refs: []string{fmt.Sprint(id)}}); err != nil {
						t.Fatalf("setting up %s: %v", s.name, err)
					}
					if s.assignee != "" {
						if _, err := d.db.Exec(`UPDATE chats SET assignee_id = $2 WHERE user_id = $1`, id, who[s.assignee].Agent.ID); err != nil {
							t.Fatal(err)
						}
					}
				}
				jobs = append(jobs, job{c, actor, s, id})
			}
		}
	}
	d.invariants(t)
	t.Logf("%d commands × %d agents × %d situations = %d cases", len(commands), len(actors), len(situations), len(jobs))
	// The cases share one pool of connections, as a long-lived caller's
	// commands would (the Factory's RawDB swapped); each case still runs
	// the whole command.
	pool := testdb.Connect(t, d.url)
	for _, j := range jobs {
		name := fmt.Sprintf("%s/%s(%s)/%s", j.cmd.name, j.actor.Agent.Email, j.actor.Agent.Access, j.sit.name)
		before := d.chatState(t, j.userID)
		a := j.actor.Agent.Rule()
		want := j.cmd.want(a, before)
		r := inProcess(t, pool, d.url, "", append([]string{"--as", j.actor.Agent.Email}, j.cmd.args(fmt.Sprint(j.userID), j.actor)...)...)
		if errs.Code(r.Code) != want {
			t.Errorf("%s: chat %+v: exit %d, rules say %d\n%s", name, before, r.Code, want, r)
			continue
		}
		if want == errs.Refused && !strings.HasPrefix(r.Stderr, "Error: ") {
			t.Errorf("%s: a refusal without a sentence:\n%s", name, r)
		}
		if want != errs.OK {
			if after := d.chatState(t, j.userID); after != before {
				t.Errorf("%s: refused, yet the chat changed from %+v to %+v", name, before, after)
			}
		}
		if j.cmd.after != nil {
			j.cmd.after(t, d, r, j.userID, a, before)
		}
	}
	d.invariants(t)
}
