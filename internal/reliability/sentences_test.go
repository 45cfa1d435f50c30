package reliability

import (
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/seed"
)

// TestErrorSentencesAreTrueToTheirCause: a row that a trigger swallows is
// reported in a sentence, not as the driver's "sql: no rows in result
// set"; a table renamed around inboxctl is not a missing migration.
func TestErrorSentencesAreTrueToTheirCause(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, setup, want string }{
		{"a row swallowed by a trigger", `CREATE FUNCTION rel_swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
			CREATE TRIGGER rel_swallow BEFORE INSERT ON spam_batches FOR EACH ROW EXECUTE FUNCTION rel_swallow()`,
			"Error: The database returned no row where this command expected one (another session, a trigger or a policy changed or hid it); nothing was changed."},
		{"a table renamed around inboxctl", `ALTER TABLE chat_events RENAME TO chat_events_old`,
			`Error: The database schema is not what this inboxctl expects (relation "chat_events" does not exist); 'inboxctl db status' shows its migrations.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newDemo(t, 20)
			if _, err := d.db.Exec(c.setup); err != nil {
				t.Fatal(err)
			}
			r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", "1", "2", "3", "--yes")
			if r.Code != 1 || strings.TrimSpace(r.Stderr) != c.want {
				t.Fatalf("want exit 1 and %q:\n%s", c.want, r)
			}
			oneSentence(t, r)
			if strings.Contains(r.Stderr, "sql: ") {
				t.Fatalf("raw driver text:\n%s", r)
			}
			if n := d.count(t, `SELECT count(*) FROM users WHERE spam`); n != 0 {
				t.Fatalf("%d users marked", n)
			}
		})
	}
}
