package output_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/inboxctl/inboxctl/internal/output"
)

// TestRowTextMatchesRow: the unboxed fast path writes what Row writes.
func TestRowTextMatchesRow(t *testing.T) {
	rows := [][]any{
		{int64(1), "+919800000001", "plain"},
		{int64(22), "+919800000002", "tab\there, newline\nhere, back\\slash"},
		{int64(333), "+919800000003", `quote "and", comma`},
		{int64(4444), "", ""},
		{int64(5), "+919800000005", "=HYPERLINK(\"http://evil.example/\")\x1b]0;hi\a"},
		{int64(6), "=1+1", "+1 \u202e@SUM(A1)"},
	}
	for _, format := range []output.Format{output.CSV, output.TSV} {
		var viaRow, viaText bytes.Buffer
		a := (&output.Printer{Out: &viaRow, Format: format}).List(output.Cols("user_id", "phone", "name").Numeric("user_id", "phone"))
		b := (&output.Printer{Out: &viaText, Format: format}).List(output.Cols("user_id", "phone", "name").Numeric("user_id", "phone"))
		if !b.Textual() {
			t.Fatalf("%s list is not textual", format)
		}
		for _, r := range rows {
			if err := a.Row(r...); err != nil {
				t.Fatal(err)
			}
			if err := b.RowText(strconv.FormatInt(r[0].(int64), 10), r[1].(string), r[2].(string)); err != nil {
				t.Fatal(err)
			}
		}
		a.Close()
		b.Close()
		if viaRow.String() != viaText.String() {
			t.Errorf("%s: Row wrote\n%q\nRowText wrote\n%q", format, viaRow.String(), viaText.String())
		}
	}
	for _, format := range []output.Format{output.Table, output.JSON, output.NDJSON} {
		if (&output.Printer{Out: &bytes.Buffer{}, Format: format}).List(output.Cols("a")).Textual() {
			t.Errorf("%s list claims to be textual", format)
		}
	}
}
