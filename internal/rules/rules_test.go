package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	allAgent      = Agent{ID: 1, Access: AccessAll}
	assignedAgent = Agent{ID: 2, Access: AccessAssigned}
	other         = int64(3)
)

// chats covers every kind of chat relative to assignedAgent.
var chats = map[string]Chat{
	"own":             {AssigneeID: 2},
	"others":          {AssigneeID: other},
	"unassigned":      {},
	"spam own":        {Spam: true, AssigneeID: 2, MarkedBy: other},
	"spam others":     {Spam: true, AssigneeID: other, MarkedBy: other},
	"spam unassigned": {Spam: true, MarkedBy: other},
	"spam marked by":  {Spam: true, AssigneeID: other, MarkedBy: 2},
}

// Rule 2: folders.
func TestFolders(t *testing.T) {
	want := map[Folder]map[string][2]bool{ // chat -> {all-access agent, assigned-access agent}
		FolderAll:        {"own": {true, false}, "others": {true, false}, "unassigned": {true, false}},
		FolderYou:        {"own": {false, true}},
		FolderUnassigned: {"unassigned": {true, true}},
		FolderSpam:       {"spam own": {true, true}, "spam others": {true, false}, "spam unassigned": {true, false}, "spam marked by": {true, true}},
	}
	for _, f := range Folders {
		for name, c := range chats {
			for i, a := range []Agent{allAgent, assignedAgent} {
				got := InFolder(a, f, c)
				exp := want[f][name][i]
				if f == FolderYou && i == 0 {
					exp = false // the all-access agent (id 1) is assigned nothing here
				}
				if got != exp {
					t.Errorf("folder %s, agent %s, chat %q: got %v, want %v", f, a.Access, name, got, exp)
				}
			}
		}
	}
	if _, err := ViewFolder(assignedAgent, FolderAll); !isRefusal(err) {
		t.Errorf("all for an assigned-access agent: %v, want a refusal", err)
	}
	if _, err := ParseFolder("inbox"); err == nil {
		t.Error("unknown folder accepted")
	}
	// A spam chat is never in all, you or unassigned (rule 2, first line).
	for name, c := range chats {
		if !c.Spam {
			continue
		}
		for _, f := range []Folder{FolderAll, FolderYou, FolderUnassigned} {
			for _, a := range []Agent{allAgent, assignedAgent, {ID: 3, Access: AccessAll}} {
				if InFolder(a, f, c) {
					t.Errorf("spam chat %q in %s for %+v", name, f, a)
				}
			}
		}
	}
}

// Rule 8 and 10: who may mark and unmark; idempotence.
func TestMarkAndUnmarkOutcomes(t *testing.T) {
	cases := []struct {
		chat         string
		agent        Agent
		mark, unmark Outcome
	}{
		{"own", assignedAgent, Marked, Unchanged},
		{"unassigned", assignedAgent, Marked, Unchanged},
		// A chat outside the view is refused, spam or not: the outcome tells
		// nothing about a chat the agent cannot see (README "Who may do
		// what").
		{"others", assignedAgent, Refused, Refused},
		{"others", allAgent, Marked, Unchanged},
		{"spam own", assignedAgent, Unchanged, Unmarked},
		{"spam marked by", assignedAgent, Unchanged, Unmarked},
		{"spam others", assignedAgent, Refused, Refused},
		{"spam unassigned", assignedAgent, Refused, Refused},
		{"spam others", allAgent, Unchanged, Unmarked},
	}
	for _, c := range cases {
		if got := MarkOutcome(c.agent, chats[c.chat]); got != c.mark {
			t.Errorf("mark %q by %s: %s, want %s", c.chat, c.agent.Access, got, c.mark)
		}
		if got := UnmarkOutcome(c.agent, chats[c.chat]); got != c.unmark {
			t.Errorf("unmark %q by %s: %s, want %s", c.chat, c.agent.Access, got, c.unmark)
		}
	}
}

// A mark with an expiry: a new user is marked as by MarkOutcome; a spam
// user gets the new expiry if the agent may unmark them; the same expiry
// again changes nothing; a chat outside the view is refused.
func TestMarkUntilOutcome(t *testing.T) {
	cases := []struct {
		chat  string
		agent Agent
		same  bool
		want  Outcome
	}{
		{"own", assignedAgent, false, Marked},
		{"others", assignedAgent, false, Refused},
		{"spam own", assignedAgent, false, Updated},
		{"spam marked by", assignedAgent, false, Updated},
		{"spam others", assignedAgent, false, Refused},
		{"spam others", allAgent, false, Updated},
		{"spam others", allAgent, true, Unchanged},
		// Outside the view: refused, whether the expiry is the same or not,
		// so the outcome says nothing about the mark (README "Who may do
		// what").
		{"spam others", assignedAgent, true, Refused},
	}
	for _, c := range cases {
		if got := MarkUntilOutcome(c.agent, chats[c.chat], c.same); got != c.want {
			t.Errorf("mark --until %q by %s (same %v): %s, want %s", c.chat, c.agent.Access, c.same, got, c.want)
		}
	}
}

func TestExpired(t *testing.T) {
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Second)
	for _, c := range []struct {
		until *time.Time
		want  bool
	}{{nil, false}, {&past, true}, {&now, true}, {&future, false}} {
		if got := Expired(c.until, now); got != c.want {
			t.Errorf("Expired(%v) = %v, want %v", c.until, got, c.want)
		}
	}
}

// Rule 3: a spam user's chat refuses every action, with a sentence.
func TestFrozenChat(t *testing.T) {
	for _, act := range []Action{ActionAssign, ActionUnassign, ActionSetLabel, ActionClearLabel, ActionSend} {
		err := CheckAction(allAgent, act, chats["spam others"], "lead@acme.test")
		if !isRefusal(err) || !strings.Contains(err.Error(), "marked as spam by lead@acme.test") {
			t.Errorf("%s on a spam chat: %v", act, err)
		}
		if err := CheckAction(allAgent, act, chats["others"], ""); err != nil {
			t.Errorf("%s on a normal chat: %v", act, err)
		}
		if err := CheckAction(assignedAgent, act, chats["others"], ""); !isRefusal(err) {
			t.Errorf("%s on another agent's chat with assigned access: %v", act, err)
		}
	}
}

// Rule 4: the trait.
func TestTrait(t *testing.T) {
	if TraitValue(true) != "Yes" || TraitValue(false) != "No" {
		t.Fatal("trait values")
	}
	for _, k := range []string{"Marked as Spam", " marked as spam ", "MARKED AS SPAM"} {
		if !isRefusal(ValidateTraitKey(k)) {
			t.Errorf("setting %q by hand was not refused", k)
		}
	}
	if ValidateTraitKey("city") != nil {
		t.Error("an ordinary trait was refused")
	}
}

// Rules 5 and 9: audiences and recipient entries.
func TestCampaigns(t *testing.T) {
	seg := Segment{"city": "Pune"}
	if !InAudience(seg, map[string]string{"city": "Pune", "tier": "gold"}, false) {
		t.Error("matching user not in audience")
	}
	if InAudience(seg, map[string]string{"city": "Pune"}, true) {
		t.Error("spam user in audience")
	}
	if InAudience(seg, map[string]string{"city": "Delhi"}, false) {
		t.Error("non-matching user in audience")
	}
	if !InAudience(Segment{}, nil, false) || InAudience(Segment{}, nil, true) {
		t.Error("empty segment is every non-spam user")
	}
	steps := []struct {
		status RecipientStatus
		reason string
		ran    bool
		mark   RecipientStatus
		unmark RecipientStatus
	}{
		{Pending, "", false, Excluded, Pending},
		{Sent, "", false, Sent, Sent},
		{Excluded, ExcludedReasonSpam, false, Excluded, Pending},
		{Excluded, ExcludedReasonSpam, true, Excluded, Excluded},
		{Excluded, "opted out", false, Excluded, Excluded},
	}
	for _, s := range steps {
		if got, _ := AfterMark(s.status, s.reason); got != s.mark {
			t.Errorf("mark of %s: %s, want %s", s.status, got, s.mark)
		}
		if got, _ := AfterUnmark(s.status, s.reason, s.ran); got != s.unmark {
			t.Errorf("unmark of %s/%s (ran %v): %s, want %s", s.status, s.reason, s.ran, got, s.unmark)
		}
	}
	if seg.String() != "city=Pune" || (Segment{}).String() != "every user" {
		t.Error("segment string")
	}
}

// Rule 6: notifications.
func TestNotifications(t *testing.T) {
	if Notifies(true) || !Notifies(false) {
		t.Fatal("Notifies")
	}
	if NotifyAgent(allAgent, chats["spam own"]) || !NotifyAgent(allAgent, chats["others"]) {
		t.Error("all-access agent notifications")
	}
	if NotifyAgent(assignedAgent, chats["others"]) || !NotifyAgent(assignedAgent, chats["unassigned"]) {
		t.Error("assigned-access agent notifications")
	}
}

func isRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}
