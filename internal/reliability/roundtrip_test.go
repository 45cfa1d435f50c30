package reliability

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/safetext"
	"github.com/inboxctl/inboxctl/internal/seed"
)

// hostile is text users type that has broken other tools: quotes,
// backslashes, SQL, format verbs, escapes, Unicode of every width and
// direction, control characters. Every entry is valid UTF-8 without NUL.
var hostile = []string{
	`O'Brien "the \ backslash" \\ \n`,
	`'); DROP TABLE users; --`,
	`Robert'); DELETE FROM chats WHERE ('1'='1`,
	`$1 $$ $tag$ %s %d %v %!x {{.}} ${HOME} $(id)`,
	"😀 👍🏽 🇮🇳 👨‍👩‍👧‍👦",
	"مرحبا بالعالم \u202eright-to-left override\u202c",
	"שלום עולם",
	"e\u0301 (combining) \u200b zero width \ufeff BOM",
	"line one\nline two\n\ttabbed",
	"\x1b[31mred\x1b[0m \x07 bell",
	`<script>alert(1)</script> & "json" \u0000`,
	"中文 日本語 한국어 русский ελληνικά",
	" leading and trailing spaces ",
}

// atLimit is a string of exactly n characters, each a 4-byte emoji, so a
// byte-counting limit would refuse it.
func atLimit(n int) string { return strings.Repeat("😀", n) }

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// userCard is the part of `user show -o json` these tests read.
type userCard struct {
	Name       string            `json:"name"`
	Traits     map[string]string `json:"traits"`
	SpamReason *string           `json:"spam_reason"`
	Assignee   *string           `json:"assignee"`
	Label      *string           `json:"label"`
	Timeline   []struct {
		Event  string  `json:"event"`
		Reason *string `json:"reason"`
	} `json:"timeline"`
}

func showUser(t *testing.T, d demo, ref string) userCard {
	t.Helper()
	r := run(t, d.env(), nil, "user", "show", ref, "-o", "json")
	if r.Code != 0 {
		t.Fatalf("user show %s:\n%s", ref, r)
	}
	var c userCard
	if err := json.Unmarshal([]byte(r.Stdout), &c); err != nil {
		t.Fatalf("user show %s: %v\n%s", ref, err, r.Stdout)
	}
	return c
}

// TestUserTextRoundTrips: names, trait names and trait values imported from
// CSV come back byte for byte from `user show -o json`, at the documented
// limits too.
func TestUserTextRoundTrips(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 0)
	keys := []string{`note`, `k'"\`, `'); DROP TABLE users; --`, "ключ 😀", atLimit(input.MaxTraitKey)}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(append([]string{"phone", "name"}, keys...))
	values := append(append([]string{}, hostile...), atLimit(input.MaxNameLen))
	for i, v := range values {
		row := []string{fmt.Sprintf("+4470000%05d", i), v}
		for j := range keys {
			tv := values[(i+j)%len(values)]
			if j == len(keys)-1 {
				tv = atLimit(input.MaxTraitValue)
			}
			row = append(row, tv)
		}
		w.Write(row)
	}
	w.Flush()
	r := run(t, d.env(), nil, "user", "import", "-f", writeFile(t, "users.csv", buf.Bytes()), "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, fmt.Sprintf(`"created": %d`, len(values))) {
		t.Fatalf("import:\n%s", r)
	}
	noLeak(t, r)
	for i, v := range values {
		c := showUser(t, d, fmt.Sprintf("+4470000%05d", i))
		if c.Name != v {
			t.Errorf("user %d: name %q came back as %q", i, v, c.Name)
		}
		for j, k := range keys {
			want := values[(i+j)%len(values)]
			if j == len(keys)-1 {
				want = atLimit(input.MaxTraitValue)
			}
			if got, ok := c.Traits[k]; !ok || got != want {
				t.Errorf("user %d: trait %q=%q came back as %q", i, k, want, got)
			}
		}
	}
	if n := d.count(t, `SELECT count(*) FROM users`); n != len(values) {
		t.Fatalf("%d users after the import, want %d (the SQL in the names ran?)", n, len(values))
	}
}

// plain is the hostile text an agent may give as a reason or a label: no
// control or bidirectional formatting character (input.Plain); the rest
// is refused.
func plain() (ok, refused []string) {
	for _, h := range hostile {
		if _, bad := safetext.First(h); bad {
			refused = append(refused, h)
		} else {
			ok = append(ok, h)
		}
	}
	return ok, refused
}

// TestReasonRoundTrips: a spam reason comes back byte for byte from
// `spam list -o json` and the user card (flag and timeline); one with a
// control or bidirectional character is exit 2 and marks nobody.
func TestReasonRoundTrips(t *testing.T) {
	t.Parallel()
	ok, refused := plain()
	d := newDemo(t, len(ok)+1)
	for _, reason := range refused {
		r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", seed.Phone(1), "--reason", reason, "--yes")
		if r.Code != 2 || !strings.Contains(r.Stderr, "--reason may not contain control or bidirectional formatting characters") {
			t.Errorf("mark with reason %q: want exit 2:\n%s", reason, r)
		}
	}
	reasons := append(ok, atLimit(input.MaxReasonLen))
	for i, reason := range reasons {
		r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", seed.Phone(i+1), "--reason", reason, "--yes")
		if r.Code != 0 {
			t.Fatalf("mark with reason %q:\n%s", reason, r)
		}
		c := showUser(t, d, seed.Phone(i+1))
		if c.SpamReason == nil || *c.SpamReason != reason {
			t.Errorf("reason %q came back on the card as %v", reason, c.SpamReason)
		}
		if len(c.Timeline) != 1 || c.Timeline[0].Reason == nil || *c.Timeline[0].Reason != reason {
			t.Errorf("reason %q came back on the timeline as %+v", reason, c.Timeline)
		}
	}
	r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "list", "-o", "json")
	var list []struct {
		Phone  string `json:"phone"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || len(list) != len(reasons) {
		t.Fatalf("spam list: %v\n%s", err, r)
	}
	for _, e := range list {
		var i int
		fmt.Sscanf(e.Phone, "+9198%08d", &i)
		if e.Reason != reasons[i-1] {
			t.Errorf("spam list: reason %q came back as %q", reasons[i-1], e.Reason)
		}
	}
	d.invariants(t)
}

// TestEmailRoundTrips: agent emails, hostile but valid, come back byte for
// byte from `agent list -o json` and work as --as.
func TestEmailRoundTrips(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 1)
	local := strings.Repeat("a", input.MaxEmailLen-len("@x.test"))
	emails := []string{
		`o'brien+"x\y"@example.test`,
		`');drop/**/table/**/agents;--@evil.test`,
		`😀@例え.テスト`,
		`%s%d$1@fmt.test`,
		`مرحبا@عالم.test`,
		local + "@x.test",
	}
	for _, e := range emails {
		if r := run(t, d.env(), nil, "agent", "add", e, "--access", "all"); r.Code != 0 {
			t.Fatalf("agent add %q:\n%s", e, r)
		}
	}
	r := run(t, d.env(), nil, "agent", "list", "-o", "json")
	var agents []struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &agents); err != nil {
		t.Fatalf("agent list: %v\n%s", err, r)
	}
	got := map[string]bool{}
	for _, a := range agents {
		got[a.Email] = true
	}
	for _, e := range emails {
		if !got[e] {
			t.Errorf("email %q did not come back from agent list: %v", e, got)
		}
		// It is usable as the acting agent, and the mark records it.
		r := run(t, d.env("INBOXCTL_AGENT="+e), nil, "spam", "list", "-o", "json")
		if r.Code != 0 {
			t.Errorf("--as %q:\n%s", e, r)
		}
	}
	if r := run(t, d.env("INBOXCTL_AGENT="+emails[0]), nil, "spam", "mark", "1", "--yes"); r.Code != 0 {
		t.Fatal(r)
	}
	r = run(t, d.env(), nil, "user", "show", "1", "-o", "json")
	var card struct {
		MarkedBy string `json:"spam_marked_by"`
	}
	if json.Unmarshal([]byte(r.Stdout), &card); card.MarkedBy != emails[0] {
		t.Fatalf("marked by %q, want %q", card.MarkedBy, emails[0])
	}
}

// TestOverLimitsAreUsageErrors: one character over each documented limit is
// exit 2 with a sentence naming the limit (and the line, for files), and
// changes nothing.
func TestOverLimitsAreUsageErrors(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 3)
	owner := d.env("INBOXCTL_AGENT=" + seed.Owner)
	csvOf := func(header, row string) string {
		return writeFile(t, "u.csv", []byte(header+"\n+447000000001,ok\n"+row+"\n"))
	}
	cases := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"name", d.env(), []string{"user", "import", "-f", csvOf("phone,name", "+447000000002,"+atLimit(input.MaxNameLen+1))},
			[]string{"nothing was imported", "line 3: name is 201 characters long; the limit is 200"}},
		{"trait value", d.env(), []string{"user", "import", "-f", csvOf("phone,name,k", "+447000000002,x,"+atLimit(input.MaxTraitValue+1))},
			[]string{"line 3: trait \"k\" is 501 characters long; the limit is 500"}},
		{"trait name", d.env(), []string{"user", "import", "-f", csvOf("phone,name,"+atLimit(input.MaxTraitKey+1), "+447000000002,x,y")},
			[]string{"Line 1, column 3: trait name is 101 characters long; the limit is 100."}},
		{"reason", owner, []string{"spam", "mark", "1", "--yes", "--reason", atLimit(input.MaxReasonLen + 1)},
			[]string{"--reason is 501 characters long; the limit is 500"}},
		{"email", d.env(), []string{"agent", "add", strings.Repeat("a", input.MaxEmailLen-len("@x.test")+1) + "@x.test"},
			[]string{"email is 255 characters long; the limit is 254"}},
	}
	for _, c := range cases {
		r := run(t, c.env, nil, c.args...)
		if r.Code != 2 {
			t.Errorf("%s over the limit: want exit 2:\n%s", c.name, r)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.Stderr, w) {
				t.Errorf("%s over the limit: stderr lacks %q:\n%s", c.name, w, r)
			}
		}
		noLeak(t, r)
	}
	if n := d.count(t, `SELECT count(*) FROM users`) + d.count(t, `SELECT count(*) FROM users WHERE spam`); n != 3 {
		t.Fatalf("an over-limit command changed data (%d users)", n)
	}
	if n := d.count(t, `SELECT count(*) FROM agents`); n != 3 {
		t.Fatalf("an over-limit email was added")
	}
}

// TestInvalidBytesAreRejectedByLine: invalid UTF-8 and NUL bytes in a refs
// file or a CSV are exit 2 with the line number, and nothing changes; in
// an argument they are exit 2 too.
func TestInvalidBytesAreRejectedByLine(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 5)
	owner := d.env("INBOXCTL_AGENT=" + seed.Owner)
	cases := []struct {
		name  string
		env   []string
		stdin []byte
		args  []string
		want  []string
	}{
		{"refs file, invalid UTF-8", owner, nil,
			[]string{"spam", "mark", "--yes", "-f", writeFile(t, "r.txt", []byte(seed.Phone(1)+"\n# ok\n+9198\xff00000002\n"))},
			[]string{"line 3: invalid: not valid UTF-8"}},
		{"refs file, NUL", owner, nil,
			[]string{"spam", "mark", "--yes", "-f", writeFile(t, "r.txt", []byte(seed.Phone(1)+"\n"+seed.Phone(2)+"\x00\n"))},
			[]string{"line 2: invalid: contains a NUL byte"}},
		{"refs on stdin, NUL", owner, []byte("\n\n1\x002\n"),
			[]string{"spam", "mark", "--yes", "-f", "-"},
			[]string{"line 3: invalid: contains a NUL byte"}},
		{"CSV, invalid UTF-8 name", d.env(), nil,
			[]string{"user", "import", "-f", writeFile(t, "u.csv", []byte("phone,name\n+447000000001,ok\n+447000000002,Jos\xe9\n"))},
			[]string{"line 3: not valid UTF-8"}},
		{"CSV, NUL in a trait", d.env(), nil,
			[]string{"user", "import", "-f", writeFile(t, "u.csv", []byte("phone,name,city\n+447000000001,ok,Pu\x00ne\n"))},
			[]string{"line 2: trait \"city\" contains a NUL byte"}},
		{"CSV, bare quote in the first field", d.env(), nil,
			[]string{"user", "import", "-f", writeFile(t, "u.csv", []byte("phone,name\n+447000000001,ok\na\"b,x\n"))},
			[]string{"line 3: bare \" in non-quoted-field"}},
		{"argument, invalid UTF-8 reason", owner, nil,
			[]string{"spam", "mark", "1", "--yes", "--reason", "bad \xff byte"},
			[]string{"--reason is not valid UTF-8"}},
		{"argument, invalid UTF-8 ref", owner, nil,
			[]string{"spam", "mark", "+9198\xff", "--yes"},
			[]string{"not valid UTF-8"}},
	}
	for _, c := range cases {
		r := run(t, c.env, c.stdin, c.args...)
		if r.Code != 2 {
			t.Errorf("%s: want exit 2:\n%s", c.name, r)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.Stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, w, r)
			}
		}
		noLeak(t, r)
	}
	if n := d.count(t, `SELECT count(*) FROM users`); n != 5 {
		t.Fatalf("%d users: a rejected import changed data", n)
	}
	nothingChanged(t, d)
}

// TestTableOutputIsTerminalSafe: a customer's name holding terminal
// control sequences (clear the screen, retitle the window, write the
// clipboard) is shown harmlessly in table, tsv and json output, and reads
// back exactly from JSON.
func TestTableOutputIsTerminalSafe(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 0)
	name := "Eve\x1b[2J\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\u009b31m\x7f"
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"phone", "name"})
	w.Write([]string{"+447000000001", name})
	w.Flush()
	if r := run(t, d.env(), nil, "user", "import", "-f", writeFile(t, "u.csv", buf.Bytes())); r.Code != 0 {
		t.Fatal(r)
	}
	if r := run(t, d.env("INBOXCTL_AGENT="+seed.Owner), nil, "spam", "mark", "+447000000001", "--yes", "--reason", "red"); r.Code != 0 {
		t.Fatal(r)
	}
	for _, args := range [][]string{
		{"user", "show", "+447000000001", "-o", "table"},
		{"spam", "list", "-o", "table", "--as", seed.Owner},
		{"inbox", "list", "--folder", "spam", "-o", "table", "--as", seed.Owner},
		{"inbox", "list", "--folder", "spam", "--as", seed.Owner},
		{"spam", "list", "-o", "json", "--as", seed.Owner},
	} {
		r := run(t, d.env(), nil, args...)
		if r.Code != 0 || !strings.Contains(r.Stdout, "Eve") {
			t.Fatalf("%s:\n%s", args, r)
		}
		if strings.ContainsAny(r.Stdout, "\x1b\x07\x7f\u009b") {
			t.Errorf("%s prints control characters to the terminal: %q", args, r.Stdout)
		}
	}
	if c := showUser(t, d, "+447000000001"); c.Name != name {
		t.Errorf("JSON name %q, want %q", c.Name, name)
	}
}
