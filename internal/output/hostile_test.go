package output_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/safetext"
)

// hostileRows are what an attacker writes as a customer or an agent: a
// formula with an OSC title, OSC 52 (a clipboard write), an 8-bit CSI
// (U+009B), a right-to-left override, names starting with + - @, a tab and
// a CR first; beside them the phones and numbers csv must leave alone.
var hostileRows = [][]string{
	{"1", "+919800000001", "=HYPERLINK(\"http://evil.example/\",\"Invoice\")\x1b]0;hi\a", "hello"},
	{"2", "+919800000002", "+1 Caller", "\x1b]52;c;ZXZpbA==\a clipboard"},
	{"3", "+919800000003", "-2+3", "\u009b31mred\u009b0m"},
	{"4", "+919800000004", "@SUM(A1:A9)", "invoice\u202eexe.txt"},
	{"5", "+919800000005", "\tTabbed", "\rOverwritten"},
	{"-6", "=cmd|' /C calc'!A0", "Ordinary Name", "back\\slash \u2066isolate\u2069 \u200fmark"},
}

func writeHostile(p *output.Printer) error {
	l := p.List(output.Cols("user_id", "phone", "name", "text").Numeric("user_id", "phone"))
	for _, r := range hostileRows {
		if err := l.Row(r[0], r[1], r[2], r[3]); err != nil {
			return err
		}
	}
	return l.Close()
}

// unsafeIn returns the first unsafe character or non-UTF-8 byte of s that
// is not in allowed.
func unsafeIn(s, allowed string) (rune, bool) {
	if !utf8.ValidString(s) {
		return utf8.RuneError, true
	}
	for _, r := range s {
		if safetext.Unsafe(r) && !strings.ContainsRune(allowed, r) {
			return r, true
		}
	}
	return 0, false
}

// separators are the control characters a format writes itself.
func separators(f output.Format) string {
	if f == output.TSV {
		return "\n\t"
	}
	return "\n"
}

// TestHostileTextEveryFormat: golden output of hostile text in every
// format, and what each format promises about it.
func TestHostileTextEveryFormat(t *testing.T) {
	out := map[output.Format]string{}
	for _, f := range output.Formats {
		var b bytes.Buffer
		if err := writeHostile(&output.Printer{Out: &b, Format: output.Format(f)}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		goldenCheck(t, "hostile."+f, b.Bytes())
		out[output.Format(f)] = b.String()
	}
	// table and tsv: nothing unsafe but the line ends and tsv's field
	// separators, one line a row.
	for _, f := range []output.Format{output.Table, output.TSV, output.JSON, output.NDJSON} {
		if r, bad := unsafeIn(out[f], separators(f)); bad {
			t.Errorf("%s output keeps %U:\n%s", f, r, out[f])
		}
	}
	if n := strings.Count(out[output.TSV], "\n"); n != len(hostileRows) {
		t.Errorf("tsv has %d lines, want %d", n, len(hostileRows))
	}
	if n := strings.Count(out[output.Table], "\n"); n != len(hostileRows)+1 {
		t.Errorf("table has %d lines, want %d", n, len(hostileRows)+1)
	}
	// json and ndjson: ESC is \u001b, the C1 and bidirectional characters
	// \u escapes, and every string reads back as written.
	for _, esc := range []string{`\u001b`, `\u0007`, `\u009b`, `\u202e`, `\u2066`, `\u200f`} {
		if !strings.Contains(out[output.JSON], esc) || !strings.Contains(out[output.NDJSON], esc) {
			t.Errorf("json or ndjson lacks %s", esc)
		}
	}
	var objs []map[string]string
	if err := json.Unmarshal([]byte(out[output.JSON]), &objs); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSuffix(out[output.NDJSON], "\n"), "\n") {
		var o map[string]string
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatal(err)
		}
		for j, k := range []string{"user_id", "phone", "name", "text"} {
			if o[k] != hostileRows[i][j] || objs[i][k] != hostileRows[i][j] {
				t.Errorf("row %d %s: ndjson %q, json %q, want %q", i+1, k, o[k], objs[i][k], hostileRows[i][j])
			}
		}
	}
	// csv: text starting with = + - @ tab CR gets a leading '; phones and
	// numbers stay; a "phone" that is a formula does not; nothing else changes.
	recs, err := csv.NewReader(strings.NewReader(out[output.CSV])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "+919800000001", "'" + hostileRows[0][2], hostileRows[0][3]},
		{"2", "+919800000002", "'+1 Caller", hostileRows[1][3]},
		{"3", "+919800000003", "'-2+3", hostileRows[2][3]},
		{"4", "+919800000004", "'@SUM(A1:A9)", hostileRows[3][3]},
		{"5", "+919800000005", "'\tTabbed", "'\rOverwritten"},
		{"-6", "'=cmd|' /C calc'!A0", "Ordinary Name", hostileRows[5][3]},
	}
	for i, w := range want {
		if strings.Join(recs[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("csv row %d:\n got %q\nwant %q", i+1, recs[i+1], w)
		}
	}
}

// TestCSVLiteralValuesStay: numbers, flags and times inboxctl formats are
// never guarded, in any column; a record's phone is Numeric, its name not.
func TestCSVLiteralValuesStay(t *testing.T) {
	var b bytes.Buffer
	l := (&output.Printer{Out: &b, Format: output.CSV}).List(output.Cols("n", "f", "s"))
	l.Row(int64(-5), -1.5, "-5")
	l.Close()
	if b.String() != "n,f,s\n-5,-1.5,'-5\n" {
		t.Fatalf("csv: %q", b.String())
	}
	b.Reset()
	err := (&output.Printer{Out: &b, Format: output.CSV}).Record(nil, []output.Field{
		{Title: "phone", Value: "+919800000001", Kind: output.Numeric},
		{Title: "name", Value: "+919800000001"},
	})
	if err != nil || b.String() != "field,value\nphone,+919800000001\nname,'+919800000001\n" {
		t.Fatalf("csv record: %q, %v", b.String(), err)
	}
}

func TestNumericNeedsAColumn(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Numeric of a column the list lacks did not panic")
		}
	}()
	output.Cols("a").Numeric("b")
}

// FuzzCSVCell: whatever a customer writes, a csv cell reads back as
// exactly what was written, after a ' when it starts like a formula; a
// Numeric column leaves a phone or number alone and guards anything else.
//
//	go test ./internal/output -run '^$' -fuzz '^FuzzCSVCell$' -fuzztime 3m
func FuzzCSVCell(f *testing.F) {
	for _, r := range hostileRows {
		f.Add(r[1], r[2])
	}
	f.Add("-1.5", "")
	f.Add("+", "'=already quoted")
	f.Add("1.", "\"=\"\"quoted\"\"\"")
	f.Fuzz(func(t *testing.T, number, text string) {
		for _, path := range []string{"Row", "RowText"} {
			var b bytes.Buffer
			l := (&output.Printer{Out: &b, Format: output.CSV}).List(output.Cols("number", "text").Numeric("number"))
			if path == "Row" {
				err := l.Row(number, text)
				if err != nil {
					t.Fatal(err)
				}
			} else if err := l.RowText(number, text); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(&b)
			r.FieldsPerRecord = 2
			recs, err := r.ReadAll()
			if err != nil || len(recs) != 2 {
				t.Fatalf("%s(%q, %q): csv %q does not read back: %v", path, number, text, b.String(), err)
			}
			// encoding/csv reads \r\n inside a quoted field as \n.
			norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
			for i, in := range []string{number, text} {
				got := recs[1][i]
				formula := in != "" && strings.ContainsRune("=+-@\t\r", rune(in[0]))
				keep := !formula || i == 0 && isNumber(in)
				want := in
				if !keep {
					want = "'" + in
				}
				if got != norm(want) {
					t.Fatalf("%s: cell %q came back as %q, want %q", path, in, got, want)
				}
				if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) && !(i == 0 && isNumber(got)) {
					t.Fatalf("%s: cell %q starts a formula", path, got)
				}
			}
		}
	})
}

// isNumber is the test's own statement of a number: sign, digits, fraction.
func isNumber(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(d string) bool { return d != "" && strings.Trim(d, "0123456789") == "" }
	return digits(whole) && (!dot || digits(frac))
}

// FuzzTextCell: in table, tsv, json and ndjson, no unsafe character or
// non-UTF-8 byte of a cell reaches the output raw, a row stays one line,
// tsv keeps its fields apart, and json gives back the cell (as UTF-8).
//
//	go test ./internal/output -run '^$' -fuzz '^FuzzTextCell$' -fuzztime 3m
func FuzzTextCell(f *testing.F) {
	for _, r := range hostileRows {
		f.Add(r[2], r[3])
	}
	f.Add("\xff\x9b[31m", "\u2028\u2029")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, format := range []output.Format{output.Table, output.TSV, output.JSON, output.NDJSON} {
			var out bytes.Buffer
			l := (&output.Printer{Out: &out, Format: format}).List(output.Cols("a", "b"))
			if err := l.Row(a, b); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			s := out.String()
			if r, bad := unsafeIn(s, separators(format)); bad {
				t.Fatalf("%s(%q, %q) keeps %U: %q", format, a, b, r, s)
			}
			switch format {
			case output.TSV:
				if strings.Count(s, "\n") != 1 || strings.Count(s, "\t") != 1 {
					t.Fatalf("tsv(%q, %q) is not one line of two fields: %q", a, b, s)
				}
			case output.Table:
				if strings.Count(s, "\n") != 2 {
					t.Fatalf("table(%q, %q) is not a header and one row: %q", a, b, s)
				}
			case output.NDJSON:
				var o map[string]string
				if err := json.Unmarshal(out.Bytes(), &o); err != nil || strings.Count(s, "\n") != 1 {
					t.Fatalf("ndjson(%q, %q) = %q: %v", a, b, s, err)
				}
				if utf8.ValidString(a) && o["a"] != a {
					t.Fatalf("ndjson(%q) read back %q", a, o["a"])
				}
			}
		}
	})
}
