package reliability

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
)

// TestCampaignTextRoundTrips: campaign names and --where trait names and
// values (quotes, SQL, Unicode) come back byte for byte from `campaign
// list -o json`, and the audience matches users whose trait equals the
// value exactly.
func TestCampaignTextRoundTrips(t *testing.T) {
	t.Parallel()
	d := newDemo(t, 0)
	values := []string{`O'Brien "x" \ y`, `'); DROP TABLE campaigns; --`, "😀 مرحبا", `a=b=c`, `%s$1{{.}}`}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"phone", "name", `k'"\`})
	for i, v := range values {
		w.Write([]string{fmt.Sprintf("+4470000%05d", i), "n", v})
		// A near miss: the same value with a trailing space.
		w.Write([]string{fmt.Sprintf("+4471000%05d", i), "n", v + " "})
	}
	w.Flush()
	if r := run(t, d.env(), nil, "user", "import", "-f", writeFile(t, "u.csv", buf.Bytes())); r.Code != 0 {
		t.Fatal(r)
	}
	for i, v := range values {
		name := hostile[i%len(hostile)]
		if r := run(t, d.env(), nil, "campaign", "create", name, "--kind", "one-time", "--where", `k'"\=`+v); r.Code != 0 {
			t.Fatalf("campaign create %q --where %q:\n%s", name, v, r)
		}
		r := run(t, d.env(), nil, "campaign", "audience", name, "-o", "ndjson")
		if r.Code != 0 {
			t.Fatalf("audience of %q:\n%s", name, r)
		}
		lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
		var m struct {
			Phone string `json:"phone"`
		}
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &m) != nil || m.Phone != fmt.Sprintf("+4470000%05d", i) {
			t.Errorf("audience of --where %q: %q", v, r.Stdout)
		}
	}
	r := run(t, d.env(), nil, "campaign", "list", "-o", "json")
	var list []struct {
		Name    string            `json:"name"`
		Segment map[string]string `json:"segment"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("campaign list: %v\n%s", err, r)
	}
	got := map[string]map[string]string{}
	for _, c := range list {
		got[c.Name] = c.Segment
	}
	for i, v := range values {
		name := hostile[i%len(hostile)]
		if seg, ok := got[name]; !ok || len(seg) != 1 || seg[`k'"\`] != v {
			t.Errorf("campaign %q with segment %q came back as %v (present %v)", name, v, seg, ok)
		}
	}
	// Over the limit, or not UTF-8: exit 2, nothing created.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"campaign", "create", atLimit(input.MaxNameLen + 1), "--kind", "ongoing"}, "is 201 characters long; the limit is 200"},
		{[]string{"campaign", "create", "bad\xff", "--kind", "ongoing"}, "not valid UTF-8"},
		{[]string{"campaign", "create", "x", "--kind", "ongoing", "--where", "k=" + atLimit(input.MaxTraitValue+1)}, "is 501 characters long; the limit is 500"},
	} {
		r := run(t, d.env(), nil, c.args...)
		if r.Code != 2 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("%q: want exit 2 and %q:\n%s", c.args[2], c.want, r)
		}
		noLeak(t, r)
	}
	if n := d.count(t, `SELECT count(*) FROM campaigns`); n != len(values)+2 {
		t.Fatalf("%d campaigns, want %d (the demo's two and ours)", n, len(values)+2)
	}
}
