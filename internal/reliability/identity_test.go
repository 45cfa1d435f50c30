package reliability

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/testdb"
)

// roles are login roles of a demo database, one per level, plus an
// agent-level role bound to no agent and a role with no level.
type roles struct {
	d                                   demo
	read, agent, admin, unbound, none   string // role names
	readURL, agentURL, adminURL, unbURL string
	noneURL                             string
}

// newRoles creates the roles and gives them their levels with db grant, as
// the schema owner; the agent-level role is bound to ravi (assigned access,
// teammate).
func newRoles(t *testing.T, users int) roles {
	t.Helper()
	r := roles{d: newDemo(t, users)}
	r.read, r.readURL = testdb.LoginRole(t, r.d.url, "ci")
	r.agent, r.agentURL = testdb.LoginRole(t, r.d.url, "ravi")
	r.admin, r.adminURL = testdb.LoginRole(t, r.d.url, "lead")
	r.unbound, r.unbURL = testdb.LoginRole(t, r.d.url, "lost")
	r.none, r.noneURL = testdb.LoginRole(t, r.d.url, "none")
	for role, level := range map[string]string{r.read: "read", r.agent: "agent", r.admin: "admin", r.unbound: "agent"} {
		res := as(t, r.d.url, "db", "grant", role, "--level", level)
		if res.Code != 0 || !strings.Contains(res.Stderr, "Role "+role+" has level "+level+".") {
			t.Fatalf("db grant %s --level %s:\n%s", role, level, res)
		}
	}
	if res := as(t, r.d.url, "agent", "bind", "ravi@demo.test", "--db-role", r.agent); res.Code != 0 {
		t.Fatalf("agent bind:\n%s", res)
	}
	return r
}

// as runs one command line in-process as the role whose URL is u.
func as(t *testing.T, u string, args ...string) result {
	t.Helper()
	return inProcess(t, nil, u, "", args...)
}

// expect runs args as u and requires the exit code and, for a refusal, one
// sentence on stderr holding want.
func expect(t *testing.T, u string, code int, want string, args ...string) result {
	t.Helper()
	r := as(t, u, args...)
	if r.Code != code {
		t.Fatalf("%v: exit %d, want %d\n%s", args, r.Code, code, r)
	}
	if want != "" && !strings.Contains(r.Stderr, want) {
		t.Fatalf("%v: stderr lacks %q\n%s", args, want, r)
	}
	if code == 4 {
		oneSentence(t, r)
	}
	return r
}

// TestLevels: what each level may run (README "Who may do what": the level
// table), through the binary, as real login roles; db grant is idempotent and
// checks its input.
func TestLevels(t *testing.T) {
	t.Parallel()
	r := newRoles(t, 40)
	owner := r.d.url

	// db grant: again changes nothing; bad input.
	expect(t, owner, 0, "Role "+r.read+" has level read.", "db", "grant", r.read, "--level", "read")
	expect(t, owner, 3, "No PostgreSQL role no_such_role", "db", "grant", "no_such_role", "--level", "read")
	expect(t, owner, 2, "--level must be read, agent or admin", "db", "grant", r.read, "--level", "boss")
	expect(t, owner, 2, "group roles", "db", "grant", "inboxctl_admin", "--level", "read")
	// Only the schema owner (or an admin) grants; an agent-level role is refused.
	expect(t, r.agentURL, 4, "'db grant' needs level admin; role "+r.agent+" has level agent", "db", "grant", r.agent, "--level", "admin")

	// No level: nothing runs, and the sentence says how to get one.
	expect(t, r.noneURL, 4, "Role "+r.none+" has no inboxctl level", "org", "list")

	// read: the read commands, nothing else; no impersonation.
	for _, args := range [][]string{{"db", "status"}, {"org", "list"}, {"agent", "list"}, {"label", "list"}, {"campaign", "list"},
		{"campaign", "audience", "Diwali Sale", "--count"}, {"campaign", "check", "--all"}, {"campaign", "check", "--all", "--full"}} {
		expect(t, r.readURL, 0, "", args...)
	}
	for _, args := range [][]string{{"spam", "mark", "1", "--yes"}, {"inbox", "list", "--folder", "you"}, {"user", "show", "1"},
		{"user", "import", "-f", "-"}, {"org", "create", "x"}, {"campaign", "create", "x", "--kind", "ongoing"}, {"message", "receive", "--from", "+919800000001", "--text", "hi"}} {
		expect(t, r.readURL, 4, "role "+r.read+" has level read", args...)
	}
	expect(t, r.readURL, 4, "needs level agent (as the bound agent) or admin; role "+r.read+" has level read", "campaign", "list", "--as", "owner@demo.test")

	// agent: acts as ravi without --as, and only as ravi.
	out := expect(t, r.agentURL, 0, "", "inbox", "list", "--folder", "you", "-o", "json")
	if !strings.Contains(out.Stdout, `"assignee": "ravi@demo.test"`) {
		t.Fatalf("the agent-level role does not see ravi's folder:\n%s", out)
	}
	expect(t, r.agentURL, 0, "", "inbox", "list", "--folder", "you", "--as", "RAVI@demo.test")
	expect(t, r.agentURL, 4, "acts only as its agent ravi@demo.test, not as owner@demo.test", "inbox", "list", "--folder", "you", "--as", "owner@demo.test")
	expect(t, r.agentURL, 4, "The all folder needs all-access", "inbox", "list", "--folder", "all")
	expect(t, r.agentURL, 4, "'org create' needs level admin; role "+r.agent+" has level agent", "org", "create", "x")
	expect(t, r.agentURL, 4, "'message receive' needs level admin", "message", "receive", "--from", "+919800000001", "--text", "hi")
	expect(t, r.agentURL, 4, "acts as agent ravi@demo.test of org demo, not in org other", "inbox", "list", "--folder", "you", "--org", "other")
	expect(t, r.unbURL, 4, "Role "+r.unbound+" is not bound to an agent", "inbox", "list", "--folder", "you")

	// admin: impersonation and writes for no agent.
	expect(t, r.adminURL, 0, "", "inbox", "list", "--folder", "all", "--as", "owner@demo.test")
	expect(t, r.adminURL, 0, "", "campaign", "create", "Spring", "--kind", "ongoing")
	expect(t, r.adminURL, 0, "", "org", "create", "beta")
	expect(t, r.adminURL, 2, "pass --as EMAIL", "inbox", "list", "--folder", "all", "--org", "demo")

	// agent list shows the binding.
	list := expect(t, owner, 0, "", "agent", "list", "--org", "demo", "-o", "csv")
	if !strings.Contains(list.Stdout, "ravi@demo.test,assigned,teammate,"+r.agent+",") || !strings.Contains(list.Stdout, "owner@demo.test,all,owner,,") {
		t.Fatalf("agent list does not show the binding:\n%s", list)
	}
	// A role acts as one agent.
	expect(t, owner, 2, "Role "+r.agent+" is already bound to agent ravi@demo.test of org demo", "agent", "bind", "asha@demo.test", "--db-role", r.agent, "--org", "demo")
	expect(t, owner, 3, "No PostgreSQL role nobody_here", "agent", "bind", "asha@demo.test", "--db-role", "nobody_here", "--org", "demo")
	expect(t, owner, 3, "No agent zed@demo.test", "agent", "bind", "zed@demo.test", "--db-role", r.unbound, "--org", "demo")
}

// TestAgentRoles: the agent roles of README "Who may do what", as an
// admin-level role impersonating each demo agent (owner, asha the admin, ravi
// the teammate), and as an agent-level role bound to each in turn.
func TestAgentRoles(t *testing.T) {
	t.Parallel()
	r := newRoles(t, 12)
	// Each role's commands share a connection pool, as in
	// TestPermissionMatrix; the binding is read afresh by every command.
	adminPool, agentPool := testdb.Connect(t, r.adminURL), testdb.Connect(t, r.agentURL)
	csv := "phone,name\n+911111111111,New\n"
	type cmd struct {
		args  []string
		stdin string
		least string // teammate, admin or owner
	}
	cmds := []cmd{
		{[]string{"inbox", "list", "--folder", "you"}, "", "teammate"},
		{[]string{"label", "list"}, "", "teammate"},
		{[]string{"notifications", "list"}, "", "teammate"},
		{[]string{"spam", "list"}, "", "teammate"},
		{[]string{"user", "show", "3"}, "", "teammate"}, // unassigned: in every view
		{[]string{"campaign", "list"}, "", "admin"},
		{[]string{"campaign", "audience", "Diwali Sale", "--count"}, "", "admin"},
		{[]string{"campaign", "check", "--all"}, "", "admin"},
		{[]string{"user", "import", "-f", "-"}, csv, "admin"},
		{[]string{"agent", "add", "new@demo.test"}, "", "owner"},
	}
	rank := map[string]int{"teammate": 1, "admin": 2, "owner": 3}
	agents := []struct{ email, role string }{{"ravi@demo.test", "teammate"}, {"asha@demo.test", "admin"}, {"owner@demo.test", "owner"}}
	for _, a := range agents {
		for _, c := range cmds {
			want := 0
			if rank[a.role] < rank[c.least] {
				want = 4
			}
			args := append(append([]string{}, c.args...), "--as", a.email)
			res := inProcess(t, adminPool, r.adminURL, c.stdin, args...)
			if res.Code != want && !(want == 0 && c.least == "owner" && res.Code == 2) {
				t.Errorf("%s (%s): %v: exit %d, want %d\n%s", a.email, a.role, c.args, res.Code, want, res)
			}
			if want == 4 && !strings.Contains(res.Stderr, a.email+" is a") {
				t.Errorf("%s: %v: the refusal does not name what is missing:\n%s", a.email, c.args, res)
			}
		}
	}
	// The same matrix holds for an agent-level role, bound to each agent.
	for _, a := range agents {
		if _, err := r.d.db.Exec(`UPDATE agents SET db_role = NULL WHERE db_role = $1`, r.agent); err != nil {
			t.Fatal(err)
		}
		if res := as(t, r.d.url, "agent", "bind", a.email, "--db-role", r.agent); res.Code != 0 {
			t.Fatal(res)
		}
		for _, c := range cmds[:9] {
			want := 0
			if rank[a.role] < rank[c.least] {
				want = 4
			}
			res := inProcess(t, agentPool, r.agentURL, c.stdin, c.args...)
			if res.Code != want {
				t.Errorf("agent-level role bound to %s: %v: exit %d, want %d\n%s", a.email, c.args, res.Code, want, res)
			}
		}
	}
}

// TestNothingLeaksPastTheView: an assigned-access agent, impersonated by
// an admin-level role or through its own agent-level role, learns nothing
// about a chat outside their view: no card, the same dry-run answer
// (refused) for a spam and a non-spam user, and no notification of a chat
// reassigned away.
func TestNothingLeaksPastTheView(t *testing.T) {
	t.Parallel()
	r := newRoles(t, 12)
	// Demo user i is assigned to asha (i%4=0), ravi (1), owner (2), nobody (3).
	// One batch of owner's: 6 (owner's chat) and 5 (ravi's).
	var batch struct {
		ID int64 `json:"batch_id"`
	}
	if res := as(t, r.d.url, "spam", "mark", "6", "5", "--yes", "--as", "owner@demo.test", "-o", "json"); res.Code != 0 || json.Unmarshal([]byte(res.Stdout), &batch) != nil {
		t.Fatal(res)
	}
	for _, u := range []struct {
		name string
		args []string
	}{{"admin as ravi", []string{"--as", "ravi@demo.test"}}, {"ravi's own role", nil}} {
		url := r.adminURL
		if u.args == nil {
			url = r.agentURL
		}
		run := func(args ...string) result { return as(t, url, append(args, u.args...)...) }
		// 6: owner's chat, spam; 8: asha's, not spam; 5: ravi's own.
		res := run("spam", "mark", "6", "8", "+919800000099", "--dry-run", "--skip-refused", "--skip-missing", "-o", "ndjson")
		if res.Code != 0 || strings.Count(res.Stdout, `"status":"refused"`) != 2 || !strings.Contains(res.Stdout, `"status":"not_found"`) {
			t.Errorf("%s: dry run outside the view:\n%s", u.name, res)
		}
		res = run("spam", "unmark", "6", "8", "--dry-run", "--skip-refused", "-o", "ndjson")
		if res.Code != 0 || strings.Count(res.Stdout, `"status":"refused"`) != 2 {
			t.Errorf("%s: unmark dry run outside the view:\n%s", u.name, res)
		}
		// A batch unmark takes the batch's users in the view and leaves
		// the rest out: not refused, not listed.
		res = run("spam", "unmark", "--batch", fmt.Sprint(batch.ID), "--dry-run", "-o", "ndjson")
		if res.Code != 0 || !strings.Contains(res.Stdout, `"user_id":5,`) || strings.Contains(res.Stdout, "+919800000006") || strings.Contains(res.Stderr, "+919800000006") {
			t.Errorf("%s: unmark --batch %d outside the view:\n%s", u.name, batch.ID, res)
		}
		for _, ref := range []string{"6", "8"} {
			if res := run("user", "show", ref); res.Code != 4 || res.Stdout != "" || !strings.Contains(res.Stderr, "outside your view") {
				t.Errorf("%s: user show %s:\n%s", u.name, ref, res)
			}
		}
		if res := run("user", "show", "5"); res.Code != 0 || !strings.Contains(res.Stdout, "Customer 5") {
			t.Errorf("%s: user show of his own chat:\n%s", u.name, res)
		}
		// chat commands: the same refusal for the spam and the other chat,
		// so the answer says nothing of the spam state.
		for _, cmd := range []struct {
			name string
			args func(ref string) []string
		}{
			{"chat assign", func(ref string) []string { return []string{"chat", "assign", ref, "--to", "ravi@demo.test"} }},
			{"chat label set", func(ref string) []string { return []string{"chat", "label", "set", ref, "vip"} }},
		} {
			var answers [2]result
			for i, ref := range []string{"6", "8"} {
				answers[i] = run(cmd.args(ref)...)
				if res := answers[i]; res.Code != 4 || res.Stdout != "" || strings.Contains(res.Stderr, "marked as spam") {
					t.Errorf("%s: %s %s:\n%s", u.name, cmd.name, ref, res)
				}
			}
			if answers[0].Stderr != answers[1].Stderr {
				t.Errorf("%s: %s answers differently for a spam and another chat outside the view:\n%s\n%s", u.name, cmd.name, answers[0], answers[1])
			}
		}
		// completion offers no phone of a chat outside the view.
		// (--as goes before the word being completed, or it is what cobra completes.)
		for _, cmd := range [][]string{{"__complete", "spam", "unmark"}, {"__complete", "user", "show"}} {
			res := as(t, url, append(append(cmd, u.args...), "+91")...)
			// 5 (ravi's chat, spam) is offered, so an empty answer fails.
			if res.Code != 0 || !strings.Contains(res.Stdout, "+919800000005") || strings.Contains(res.Stdout, "+919800000006") || strings.Contains(res.Stdout, "+919800000008") {
				t.Errorf("%s: %v offers a phone outside the view, or not ravi's own:\n%s", u.name, cmd, res)
			}
		}
	}
	// A notification of an unassigned chat, then the chat goes to asha.
	if res := as(t, r.d.url, "message", "receive", "--from", "+919800000007", "--text", "hello ravi"); res.Code != 0 {
		t.Fatal(res)
	}
	if res := as(t, r.agentURL, "notifications", "list"); !strings.Contains(res.Stdout, "hello ravi") {
		t.Fatalf("no notification of the unassigned chat:\n%s", res)
	}
	if res := as(t, r.d.url, "chat", "assign", "7", "--to", "asha@demo.test", "--as", "owner@demo.test"); res.Code != 0 {
		t.Fatal(res)
	}
	if res := as(t, r.agentURL, "notifications", "list"); res.Code != 0 || strings.Contains(res.Stdout, "hello ravi") {
		t.Errorf("a chat reassigned away still shows its notification:\n%s", res)
	}
	if res := as(t, r.d.url, "notifications", "list", "--as", "asha@demo.test"); !strings.Contains(res.Stdout, "hello ravi") {
		t.Errorf("asha, who now has the chat, lost its notification:\n%s", res)
	}
}

// TestAuditRecordsAgentAndRole: a write records the acting agent and the
// database role; an impersonated write (an admin-level role --as ravi)
// shows both in the timeline and in spam batches, as does ravi's own role.
func TestAuditRecordsAgentAndRole(t *testing.T) {
	t.Parallel()
	r := newRoles(t, 12)
	// Demo user 5 is ravi's, 9 too (i%4=1).
	for _, w := range []struct{ url, ref, role string }{
		{r.adminURL, "5", r.admin},
		{r.agentURL, "9", r.agent},
	} {
		args := []string{"spam", "mark", w.ref, "--yes", "--reason", "audit", "-o", "json"}
		if w.url == r.adminURL {
			args = append(args, "--as", "ravi@demo.test")
		}
		if res := as(t, w.url, args...); res.Code != 0 {
			t.Fatal(res)
		}
		var card struct {
			Timeline []struct {
				Event  string  `json:"event"`
				Actor  *string `json:"actor"`
				DBRole *string `json:"db_role"`
			} `json:"timeline"`
		}
		res := as(t, r.d.url, "user", "show", w.ref, "-o", "json")
		if err := json.Unmarshal([]byte(res.Stdout), &card); err != nil || len(card.Timeline) == 0 {
			t.Fatalf("user show %s: %v\n%s", w.ref, err, res)
		}
		last := card.Timeline[len(card.Timeline)-1]
		if last.Event != "marked_spam" || last.Actor == nil || *last.Actor != "ravi@demo.test" || last.DBRole == nil || *last.DBRole != w.role {
			t.Errorf("timeline of %s: %+v, want marked_spam by ravi@demo.test as %s", w.ref, last, w.role)
		}
		res = as(t, r.d.url, "user", "show", w.ref)
		if !strings.Contains(res.Stdout, "marked_spam by ravi@demo.test") || !strings.Contains(res.Stdout, "[db role "+w.role+"]") {
			t.Errorf("user show %s table lacks the agent or the role:\n%s", w.ref, res)
		}
	}
	res := as(t, r.d.url, "spam", "batches", "-o", "json")
	var batches []struct {
		Actor  *string `json:"actor"`
		DBRole string  `json:"db_role"`
		Reason string  `json:"reason"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &batches); err != nil {
		t.Fatalf("spam batches: %v\n%s", err, res)
	}
	roles := map[string]bool{}
	for _, b := range batches {
		if b.Reason == "audit" && b.Actor != nil && *b.Actor == "ravi@demo.test" {
			roles[b.DBRole] = true
		}
	}
	if !roles[r.admin] || !roles[r.agent] {
		t.Errorf("spam batches lack ravi's batches under %s and %s: %v\n%s", r.admin, r.agent, roles, res)
	}
}
