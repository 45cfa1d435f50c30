package output_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/inboxctl/inboxctl/internal/golden"
	"github.com/inboxctl/inboxctl/internal/output"
)

// goldenArchive holds the expected output of every format, one file per
// case (internal/golden).
var goldenArchive = filepath.Join("..", "..", "testdata", "golden", "output.txtar")

func goldenCheck(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, goldenArchive, name, got)
}

var (
	at    = time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("IST", 5*3600+1800))
	atPtr = &at
	name  = "Ravi \"R\" Kumar, Jr."
)

// rows hold every kind of value: strings with tabs, newlines, backslashes,
// commas and quotes; ints; bools; times; nil pointers and nil.
func writeList(p *output.Printer) error {
	l := p.List(output.Cols("user_id", "phone", "name", "spam", "marked_at", "reason").Numeric("phone"))
	var nilTime *time.Time
	var nilStr *string
	reason := "tab\there\nnewline \\ backslash"
	rows := [][]any{
		{int64(1), "+919800000001", name, true, atPtr, &reason},
		{int64(2), "+919800000002", "Asha", false, nilTime, nilStr},
		{int64(3), "+919800000003", "", false, time.Time{}, nil},
	}
	for _, r := range rows {
		if err := l.Row(r...); err != nil {
			return err
		}
	}
	return l.Close()
}

type card struct {
	ID       int64             `json:"id"`
	Phone    string            `json:"phone"`
	Name     string            `json:"name"`
	Spam     bool              `json:"spam"`
	Traits   map[string]string `json:"traits"`
	MarkedAt *string           `json:"spam_marked_at"`
	Label    *string           `json:"label"`
}

func writeRecord(p *output.Printer) error {
	m := output.Time(at)
	v := card{ID: 7, Phone: "+919800000007", Name: name, Spam: true, Traits: map[string]string{"Marked as Spam": "Yes", "city": "Pune"}, MarkedAt: &m}
	return p.Record(v, []output.Field{
		{Title: "ID", Value: v.ID},
		{Title: "Phone", Value: v.Phone, Kind: output.Numeric},
		{Title: "Name", Value: v.Name},
		{Title: "Spam", Value: v.Spam},
		{Title: "Traits", Value: "Marked as Spam=Yes\tcity=Pune"},
		{Title: "Marked at", Value: atPtr},
		{Title: "Label", Value: nil},
	})
}

// TestGolden: every format for a list and a record.
func TestGolden(t *testing.T) {
	old := time.Local
	time.Local = time.UTC
	defer func() { time.Local = old }()
	for _, f := range output.Formats {
		for kind, write := range map[string]func(*output.Printer) error{"list": writeList, "record": writeRecord} {
			var b bytes.Buffer
			if err := write(&output.Printer{Out: &b, Format: output.Format(f)}); err != nil {
				t.Fatalf("%s %s: %v", kind, f, err)
			}
			if bytes.Contains(b.Bytes(), []byte("\x1b[")) {
				t.Fatalf("%s %s without colour has escape codes: %q", kind, f, b.String())
			}
			goldenCheck(t, kind+"."+f, b.Bytes())
		}
	}
}

func list(t *testing.T, f output.Format) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeList(&output.Printer{Out: &b, Format: f}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTSVEscapes(t *testing.T) {
	got := list(t, output.TSV)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("tsv has %d lines, want 3 (no header, one per row):\n%s", len(lines), got)
	}
	want := "1\t+919800000001\t" + name + "\ttrue\t2026-03-03T23:36:07Z\ttab\\there\\nnewline \\\\ backslash"
	if lines[0] != want {
		t.Fatalf("row 1:\n got %q\nwant %q", lines[0], want)
	}
	if lines[1] != "2\t+919800000002\tAsha\tfalse\t\t" || lines[2] != "3\t+919800000003\t\tfalse\t\t" {
		t.Fatalf("nil values are not empty fields: %q", lines[1:])
	}
	for _, l := range lines {
		if n := strings.Count(l, "\t"); n != 5 {
			t.Fatalf("%d tabs in %q", n, l)
		}
	}
}

func TestCSVQuotes(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(list(t, output.CSV))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != "user_id,phone,name,spam,marked_at,reason" {
		t.Fatalf("csv: %q", recs)
	}
	if recs[1][2] != name || recs[1][5] != "tab\there\nnewline \\ backslash" || recs[1][4] != "2026-03-03T23:36:07Z" {
		t.Fatalf("csv row does not round-trip: %q", recs[1])
	}
	if recs[2][4] != "" || recs[2][5] != "" {
		t.Fatalf("nil is not empty: %q", recs[2])
	}
}

func TestJSONArray(t *testing.T) {
	var got []map[string]any
	if err := json.Unmarshal([]byte(list(t, output.JSON)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0]["name"] != name || got[0]["user_id"] != float64(1) || got[0]["spam"] != true ||
		got[0]["marked_at"] != "2026-03-03T23:36:07Z" || got[0]["reason"] != "tab\there\nnewline \\ backslash" {
		t.Fatalf("json: %v", got)
	}
	for _, k := range []string{"marked_at", "reason"} {
		if v, ok := got[1][k]; !ok || v != nil {
			t.Fatalf("nil %s is %v (present %v), want null", k, v, ok)
		}
		if v, ok := got[2][k]; !ok || v != nil {
			t.Fatalf("zero/nil %s is %v (present %v), want null", k, v, ok)
		}
	}
	// An empty list is one empty array, in every document format.
	for f, want := range map[output.Format]string{output.JSON: "[]\n", output.NDJSON: "", output.TSV: "", output.CSV: "k\n", output.Table: ""} {
		var b bytes.Buffer
		l := (&output.Printer{Out: &b, Format: f}).List(output.Cols("k"))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Fatalf("empty %s list: %q, want %q", f, b.String(), want)
		}
	}
}

func TestNDJSONLines(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(list(t, output.NDJSON), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d is not one object: %v: %q", i+1, err, l)
		}
		if m["user_id"] != float64(i+1) {
			t.Fatalf("line %d: %v", i+1, m)
		}
	}
	// A record in ndjson is one line too.
	var b bytes.Buffer
	if err := writeRecord(&output.Printer{Out: &b, Format: output.NDJSON}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("ndjson record spans lines: %q", b.String())
	}
	b.Reset()
	if err := (&output.Printer{Out: &b, Format: output.JSON}).Record(nil, nil); err != nil || b.String() != "null\n" {
		t.Fatalf("nil record: %q %v", b.String(), err)
	}
}

// TestColor: colour (bold header) only when the printer asks for it, so
// --no-color, NO_COLOR and a non-terminal give no escape codes.
func TestColor(t *testing.T) {
	text.EnableColors()
	defer text.DisableColors()
	var b bytes.Buffer
	if err := writeList(&output.Printer{Out: &b, Format: output.Table, Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\x1b[") {
		t.Fatalf("colour table has no escape codes: %q", b.String())
	}
	for _, f := range output.Formats {
		b.Reset()
		if err := writeList(&output.Printer{Out: &b, Format: output.Format(f), Color: false}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "\x1b") {
			t.Fatalf("%s without colour has escape codes: %q", f, b.String())
		}
	}
}

// TestTableCellsSafe: a table shows control characters as visible
// escapes, each cell on one line.
func TestTableCellsSafe(t *testing.T) {
	var b bytes.Buffer
	l := (&output.Printer{Out: &b, Format: output.Table}).List(output.Cols("name"))
	l.Row("evil\x1b]0;title\x07\nname")
	l.Close()
	if want := "NAME\n" + `evil\x1b]0;title\x07\nname` + "\n"; b.String() != want {
		t.Fatalf("table cell not made safe:\n got %q\nwant %q", b.String(), want)
	}
}

func TestParseFormat(t *testing.T) {
	for _, c := range []struct {
		in   string
		tty  bool
		want output.Format
	}{{"", true, output.Table}, {"", false, output.TSV}, {"json", false, output.JSON}, {"table", false, output.Table}} {
		got, err := output.ParseFormat(c.in, c.tty)
		if err != nil || got != c.want {
			t.Fatalf("ParseFormat(%q, %v) = %q, %v", c.in, c.tty, got, err)
		}
	}
	if _, err := output.ParseFormat("yaml", false); err == nil || !strings.Contains(err.Error(), "table, json, ndjson, csv, tsv") {
		t.Fatalf("yaml: %v", err)
	}
}

// TestTableNoTrailingSpaces: no table line ends in padding.
func TestTableNoTrailingSpaces(t *testing.T) {
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		if err := writeRecord(&output.Printer{Out: &b, Format: output.Table, Color: color}); err != nil {
			t.Fatal(err)
		}
		if err := writeList(&output.Printer{Out: &b, Format: output.Table, Color: color}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasSuffix(l, " ") {
				t.Fatalf("trailing spaces (colour %v): %q", color, l)
			}
		}
	}
}

// A long table streams: rows reach the output before the list is closed,
// the header is printed once, and every row is there.
func TestTableStreamsInChunks(t *testing.T) {
	var out bytes.Buffer
	p := &output.Printer{Out: &out, Format: output.Table}
	l := p.List(output.Cols("user_id", "phone"))
	const rows = 2500
	for i := 1; i <= rows; i++ {
		if err := l.Row(int64(i), fmt.Sprintf("+9198%08d", i)); err != nil {
			t.Fatal(err)
		}
		if i == 1500 && !strings.Contains(out.String(), "\n1000 ") {
			t.Fatalf("after 1,500 rows nothing of the first 1,000 was written out")
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != rows+1 {
		t.Fatalf("%d lines, want %d rows and one header", len(lines), rows)
	}
	if strings.Count(out.String(), "USER ID") != 1 {
		t.Errorf("the header is not printed exactly once")
	}
	for i, line := range lines[1:] {
		if f := strings.Fields(line); len(f) != 2 || f[0] != strconv.Itoa(i+1) {
			t.Fatalf("line %d is %q", i+2, line)
		}
	}
}

// page reshapes itself in MarshalJSON, as inbox.Page does.
type page struct{ Items []stamped }

func (p page) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"items": p.Items})
}

type stamped struct {
	At    time.Time            `json:"at"`
	Until *time.Time           `json:"until"`
	Never *time.Time           `json:"never"`
	ByKey map[string]time.Time `json:"by_key"`
}

// TestOneTimeFormat: a time with a zone and microseconds prints as the same
// RFC 3339 UTC whole-second text in every format, tables included, also
// inside documents (structs, pointers, maps, a type with its own
// MarshalJSON), without touching the caller's values.
func TestOneTimeFormat(t *testing.T) {
	const want = "2026-12-01T21:51:13Z"
	micro := time.Date(2026, 12, 2, 3, 21, 13, 654468000, time.FixedZone("IST", 5*3600+1800))
	for _, f := range output.Formats {
		var b bytes.Buffer
		p := &output.Printer{Out: &b, Format: output.Format(f)}
		l := p.List(output.Cols("id", "at", "until"))
		if err := l.Row(int64(1), micro, &micro); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(b.String(), want); got != 2 || strings.Contains(b.String(), "654") {
			t.Errorf("-o %s list: %d times as %s in %q", f, got, want, b.String())
		}
	}
	doc := page{Items: []stamped{{At: micro, Until: &micro, ByKey: map[string]time.Time{"k": micro}}}}
	for _, f := range []output.Format{output.JSON, output.NDJSON} {
		var b bytes.Buffer
		if err := (&output.Printer{Out: &b, Format: f}).JSON(doc); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(b.String(), want); got != 3 || strings.Contains(b.String(), "654") || !strings.Contains(b.String(), `"never": null`) && !strings.Contains(b.String(), `"never":null`) {
			t.Errorf("-o %s document: %q", f, b.String())
		}
	}
	if doc.Items[0].At != micro || *doc.Items[0].Until != micro || doc.Items[0].ByKey["k"] != micro {
		t.Errorf("JSON changed the caller's values: %+v", doc.Items[0])
	}
}

// TestTableFitsWidth: with a terminal width, a table's widest cells are cut
// with … so no line is wider; the narrow columns keep their text; without
// a width (not a terminal) and in the other formats nothing is cut.
func TestTableFitsWidth(t *testing.T) {
	long := strings.Repeat("Verylongname ", 15) + "end"
	render := func(f output.Format, width int) string {
		var b bytes.Buffer
		p := &output.Printer{Out: &b, Format: f, Width: width}
		l := p.List(output.Cols("user_id", "phone", "name", "reason"))
		l.Row(int64(1), "+919800000001", long, "short")
		l.Row(int64(22), "+919800000002", "Asha", strings.Repeat("é", 90))
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got := render(output.Table, 80)
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if w := text.StringWidthWithoutEscSequences(line); w > 80 {
			t.Errorf("line of width %d > 80: %q", w, line)
		}
	}
	for _, want := range []string{"USER ID", "+919800000001", "+919800000002", "Verylongname Verylong", "…", "short", "Asha"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "end") {
		t.Errorf("long name not cut:\n%s", got)
	}
	if wide := render(output.Table, 0); !strings.Contains(wide, long) || strings.Contains(wide, "…") {
		t.Errorf("no width: cut anyway:\n%s", wide)
	}
	if wide := render(output.Table, 1000); !strings.Contains(wide, long) || strings.Contains(wide, "…") {
		t.Errorf("wide terminal: cut anyway:\n%s", wide)
	}
	for _, f := range []output.Format{output.CSV, output.TSV, output.JSON, output.NDJSON} {
		if out := render(f, 80); !strings.Contains(out, long) || strings.Contains(out, "…") {
			t.Errorf("-o %s cut a cell:\n%s", f, out)
		}
	}
	// A record (user show) fits too.
	var b bytes.Buffer
	p := &output.Printer{Out: &b, Format: output.Table, Width: 50}
	if err := p.Record(nil, []output.Field{{Title: "Name", Value: long}, {Title: "Phone", Value: "+919800000001"}}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if w := text.StringWidthWithoutEscSequences(line); w > 50 || !strings.Contains(b.String(), "+919800000001") {
			t.Errorf("record line of width %d > 50: %q", w, line)
		}
	}
}

// TestTableFitsWidthTextFirst: times, ids and phones stay whole while the
// text columns can give way; only when the text alone cannot make room
// are they cut too.
func TestTableFitsWidthTextFirst(t *testing.T) {
	at := time.Date(2026, 1, 1, 3, 20, 0, 0, time.UTC)
	render := func(width int) string {
		var b bytes.Buffer
		p := &output.Printer{Out: &b, Format: output.Table, Width: width}
		l := p.List(output.Cols("user_id", "phone", "name", "at", "last_message").Numeric("user_id", "phone"))
		l.Row(int64(200), "+919800000200", "Customer 200", at, "Hello from customer 200")
		l.Row(int64(195), "+919800000195", "Customer 195 with a long name", &at, "Hello from customer 195")
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	got := render(90)
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if w := text.StringWidthWithoutEscSequences(line); w > 90 {
			t.Errorf("line of width %d > 90: %q", w, line)
		}
	}
	for _, want := range []string{"2026-01-01T03:20:00Z", "+919800000195", "Hello from", "…"} {
		if !strings.Contains(got, want) {
			t.Errorf("table at 90 columns lacks %q:\n%s", want, got)
		}
	}
	// 40 columns: the text alone cannot make room, so everything gives way
	// and the lines still fit.
	for _, line := range strings.Split(strings.TrimSuffix(render(40), "\n"), "\n") {
		if w := text.StringWidthWithoutEscSequences(line); w > 40 {
			t.Errorf("line of width %d > 40: %q", w, line)
		}
	}
}
