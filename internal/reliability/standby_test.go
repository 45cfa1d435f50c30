//go:build deployment

package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/seed"
	"github.com/inboxctl/inboxctl/internal/store"
	"github.com/inboxctl/inboxctl/internal/testdb"
)

// replicatedDemo is the demo org, with "Diwali Sale" scheduled and one user
// marked through inboxctl, on a primary with a hot standby, and a role
// that may only read (the read level).
type replicatedDemo struct {
	testdb.Replicated
	db     *store.DB // on the primary, as the schema owner
	org    directory.Org
	reader string // the SELECT-only role
	file   string // a recipient file: three phones, one of a spam user
}

func newReplicatedDemo(t *testing.T) replicatedDemo {
	t.Helper()
	ctx := context.Background()
	d := replicatedDemo{Replicated: testdb.Replica(t)}
	db, err := store.Open(ctx, d.Primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d.db = db
	if _, err := seed.Demo(ctx, db, 60); err != nil {
		t.Fatal(err)
	}
	if d.org, err = directory.ResolveOrg(ctx, db, seed.Org); err != nil {
		t.Fatal(err)
	}
	owner := []string{"INBOXCTL_DATABASE_URL=" + d.Primary, "INBOXCTL_AGENT=" + seed.Owner}
	for _, args := range [][]string{
		{"campaign", "schedule", "Diwali Sale", "--yes"},
		{"spam", "mark", seed.Phone(3), "--yes", "--reason", "seen on the primary"},
	} {
		if r := run(t, owner, nil, args...); r.Code != 0 {
			t.Fatalf("%v on the primary:\n%s", args, r)
		}
	}
	d.reader = readOnlyRole(t, db, d.Primary)
	d.file = filepath.Join(t.TempDir(), "sms-list.txt")
	phones := seed.Phone(1) + "\n" + seed.Phone(3) + "\n" + seed.Phone(4) + "\n"
	if err := os.WriteFile(d.file, []byte(phones), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// readOnlyRole creates a login role and gives it the read level (README "Who
// may do what") as README § Deployments says: membership of inboxctl_read,
// whose grants are USAGE on the schema and SELECT on its tables.
func readOnlyRole(t *testing.T, db *store.DB, primary string) string {
	t.Helper()
	var name string
	if err := db.QueryRow(`SELECT 'ci_' || current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE ROLE ` + name + ` LOGIN`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec(`DROP OWNED BY ` + name)
		db.Exec(`DROP ROLE ` + name)
	})
	if r := run(t, []string{"INBOXCTL_DATABASE_URL=" + primary}, nil, "db", "grant", name, "--level", "read"); r.Code != 0 {
		t.Fatalf("db grant %s --level read:\n%s", name, r)
	}
	var inserts bool
	if err := db.QueryRow(`SELECT has_table_privilege($1, 'campaign_tallies', 'INSERT') OR has_table_privilege($1, 'campaign_tally_dirty', 'DELETE')`, name).Scan(&inserts); err != nil || inserts {
		t.Fatalf("the read role may write the tallies (%v)", err)
	}
	return name
}

// readCommands are the read-level commands (README "Who may do what"), each
// as a CI job or an admin would run them.
func (d replicatedDemo) readCommands() [][]string {
	return [][]string{
		{"db", "status"},
		{"org", "list"},
		{"agent", "list"},
		{"label", "list"},
		{"campaign", "list"},
		{"campaign", "audience", "Welcome Series", "-o", "csv"},
		{"campaign", "audience", "Diwali Sale", "--count"},
		{"campaign", "recipients", "Diwali Sale", "-o", "csv"},
		{"campaign", "check", "--all"},
		{"campaign", "check", "--all", "-o", "json"},
		{"campaign", "check", "--all", "--full", "-o", "json"},
		{"campaign", "check", "Diwali Sale", "--full"},
		{"campaign", "check", "--recipients", d.file, "-o", "json"},
		{"campaign", "check", "--all", "--recipients", d.file, "-o", "json"},
		{"campaign", "check", "--all", "--full", "--recipients", d.file},
	}
}

// sameAnswers runs every read command on the standby (as the owner and as
// the SELECT-only role) and on the primary as the SELECT-only role, then
// on the primary as the owner, whose answer is the reference: the same
// exit code and stdout everywhere. The standby and the reader go first, so
// that they see the tallies as the write left them.
func (d replicatedDemo) sameAnswers(t *testing.T, stage string) {
	t.Helper()
	d.sameAgentAnswers(t, stage)
	for _, args := range d.readCommands() {
		where := map[string]string{
			"the standby as the owner":            d.Standby,
			"the standby as a SELECT-only role":   testdb.AsRole(d.Standby, d.reader),
			"the primary as a SELECT-only role":   testdb.AsRole(d.Primary, d.reader),
			"the primary as the owner, reference": d.Primary,
		}
		order := []string{"the standby as the owner", "the standby as a SELECT-only role", "the primary as a SELECT-only role", "the primary as the owner, reference"}
		got := map[string]result{}
		for _, w := range order {
			got[w] = run(t, []string{"INBOXCTL_DATABASE_URL=" + where[w]}, nil, args...)
		}
		ref := got[order[3]]
		if ref.Code != 0 && ref.Code != 5 {
			t.Fatalf("%s: %v on the primary failed:\n%s", stage, args, ref)
		}
		for _, w := range order[:3] {
			r := got[w]
			if r.Code != ref.Code || r.Stdout != ref.Stdout {
				t.Errorf("%s: %v on %s does not give the primary's answer:\n%s\n[primary]\n%s", stage, args, w, r, ref)
			}
			noLeak(t, r)
			if n := strings.Count(r.Stderr, "Note:"); n > 1 {
				t.Errorf("%s: %v on %s: %d notes on stderr, want at most one:\n%s", stage, args, w, n, r)
			}
		}
	}
}

// sameAgentAnswers: the commands that read for an acting agent (the
// owner, through --as) answer on the standby as on the primary.
func (d replicatedDemo) sameAgentAnswers(t *testing.T, stage string) {
	t.Helper()
	for _, args := range [][]string{
		{"inbox", "list", "--folder", "all", "-o", "json"},
		{"inbox", "list", "--folder", "spam", "-o", "json"},
		{"user", "show", seed.Phone(3), "-o", "json"},
		{"spam", "list", "-o", "json"},
		{"notifications", "list", "-o", "json"},
	} {
		standby := run(t, []string{"INBOXCTL_DATABASE_URL=" + d.Standby, "INBOXCTL_AGENT=" + seed.Owner}, nil, args...)
		primary := run(t, []string{"INBOXCTL_DATABASE_URL=" + d.Primary, "INBOXCTL_AGENT=" + seed.Owner}, nil, args...)
		if primary.Code != 0 || standby.Code != primary.Code || standby.Stdout != primary.Stdout {
			t.Errorf("%s: %v on the standby does not give the primary's answer:\n%s\n[primary]\n%s", stage, args, standby, primary)
		}
	}
}

// TestReadCommandsOnAHotStandby: every read-level command gives, on a hot
// standby and as a role that may only SELECT, the answer the primary gives
// its owner: with the tallies as inboxctl keeps them, and again after a
// write around inboxctl (psql) that leaves them dirty and makes an
// offender, which a check on the standby must find by reading the rows,
// leaving the recount to a writer and saying so once on stderr.
func TestReadCommandsOnAHotStandby(t *testing.T) {
	t.Parallel()
	d := newReplicatedDemo(t)
	d.WaitReplay(t)
	d.sameAnswers(t, "before the write")

	// A user of Diwali Sale's pending entries (a Pune user) flagged spam by
	// hand, and the entry kept pending: written around inboxctl, with the
	// rule guards off (they would refuse it) and the tally triggers on.
	testdb.WithoutRuleGuards(t, d.db)
	var victim int64
	if err := d.db.QueryRow(`SELECT user_id FROM campaign_recipients WHERE status = 'pending' ORDER BY user_id LIMIT 1`).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(`UPDATE users SET spam = true WHERE id = $1`, victim); err != nil {
		t.Fatal(err)
	}
	if _, err := d.db.Exec(`UPDATE campaign_recipients SET status = 'pending', reason = NULL WHERE user_id = $1`, victim); err != nil {
		t.Fatal(err)
	}
	d.WaitReplay(t)
	r := run(t, []string{"INBOXCTL_DATABASE_URL=" + d.Standby}, nil, "campaign", "check", "--all")
	if r.Code != 5 || !strings.Contains(r.Stdout, fmt.Sprint(victim)) {
		t.Fatalf("the check on the standby missed the offender written around inboxctl:\n%s", r)
	}
	if n := strings.Count(r.Stderr, "Note:"); n != 1 || !strings.Contains(r.Stderr, "read from the rows") || !strings.Contains(r.Stderr, "standby") {
		t.Fatalf("the check on the standby must say once that it read the rows and left the recount to a writer:\n%s", r)
	}
	d.sameAnswers(t, "after a write around inboxctl")
}

// TestWriteCommandsOnAHotStandby: a command that writes exits 1 on a hot
// standby with one sentence saying the server is a read-only standby, and
// the primary is untouched.
func TestWriteCommandsOnAHotStandby(t *testing.T) {
	t.Parallel()
	d := newReplicatedDemo(t)
	csv := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(csv, []byte("phone,name\n+919811111111,New Customer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"INBOXCTL_DATABASE_URL=" + d.Standby, "INBOXCTL_AGENT=" + seed.Owner}
	for _, args := range [][]string{
		{"spam", "mark", seed.Phone(5), "--yes"},
		{"spam", "mark", "-f", d.file, "--yes", "-o", "ndjson"},
		{"spam", "unmark", seed.Phone(3), "--yes"},
		{"spam", "unmark", "--batch", "1", "--yes"},
		{"chat", "assign", seed.Phone(6), "--to", seed.Asha},
		{"chat", "label", "set", seed.Phone(6), "vip"},
		{"message", "send", seed.Phone(6), "--text", "hello"},
		{"message", "receive", "--from", seed.Phone(6), "--text", "hi"},
		{"user", "import", "-f", csv},
		{"campaign", "create", "Holi", "--kind", "one-time"},
		{"campaign", "run", "Diwali Sale", "--yes"},
		{"org", "create", "beta"},
		{"agent", "add", "new@demo.test"},
	} {
		r := run(t, env, nil, args...)
		if r.Code != 1 || !strings.Contains(r.Stderr, "read-only standby") {
			t.Errorf("%v on the standby: want exit 1 and the read-only standby sentence:\n%s", args, r)
			continue
		}
		oneSentence(t, r)
	}
	if n := d.count(t, `SELECT count(*) FROM users WHERE spam`); n != 1 {
		t.Fatalf("%d spam users on the primary, want the one marked there", n)
	}
}

func (d replicatedDemo) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := d.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
