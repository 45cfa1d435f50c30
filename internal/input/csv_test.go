package input_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/input"
)

// readAll reads every record of cr, with each record's error, up to EOF or
// a read error that is not a parse error.
func readAll(cr *csv.Reader) (recs []string, err error) {
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return recs, err
		}
		recs = append(recs, fmt.Sprintf("%q %v", rec, err))
	}
}

// TestCSVReaderLimits: a field, a record spread over quoted line breaks,
// and a comment line are each held to 64 KiB, and the error names the line
// where the record (or comment) starts; what fits, a CRLF line of exactly
// the limit included, reads as encoding/csv reads it.
func TestCSVReaderLimits(t *testing.T) {
	max := input.MaxLineBytes
	field := func(n int) string { return strings.Repeat("x", n) }
	for _, c := range []struct {
		name    string
		data    string
		comment rune
		line    int // 0: no error
	}{
		{"a field of the limit", "phone,name\n+1," + field(max-3) + "\n", 0, 0},
		{"a CRLF line of the limit", "phone,name\r\n+1," + field(max-3) + "\r\n+2,y\r\n", 0, 0},
		{"a field one byte over", "phone,name\n+1,ok\n+2," + field(max-2) + "\n", 0, 3},
		{"a field with no line end", "phone,name\n+2," + field(3*max), 0, 2},
		{"a quoted field of short lines", "phone,name\n\n+1,\"" + strings.Repeat(field(79)+"\n", max/80+1) + "\"\n", 0, 3},
		{"a quoted field with doubled quotes", "phone,name\n+1,\"" + strings.Repeat(`a""`, max/3+1) + "\"\n", 0, 2},
		{"many records", strings.Repeat("+1,"+field(1000)+"\n", 200), 0, 0},
		{"a comment line", "# one\n#" + field(max) + "\n+1,x\n", '#', 2},
		{"a short comment with a quote", "# it's \"fine\n+1,x\n" + strings.Repeat("+2,y\n", max/5+1), '#', 0},
		{"a bare quote drops its line", "a\"b,x\n" + strings.Repeat("+2,y\n", max/5+1), 0, 0},
		{"text after a closing quote drops its line", "\"a\"b,x\n" + strings.Repeat("+2,y\n", max/5+1), 0, 0},
	} {
		cr := input.NewCSVReader(strings.NewReader(c.data), c.comment)
		got, err := readAll(cr)
		var le *input.LineError
		switch {
		case c.line == 0 && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.line != 0 && (!errors.As(err, &le) || le.Line != c.line || !errors.Is(err, input.ErrTooLong)):
			t.Errorf("%s: want line %d too long, got %v", c.name, c.line, err)
		case c.line == 0:
			plain := csv.NewReader(strings.NewReader(c.data))
			plain.Comment, plain.FieldsPerRecord = c.comment, -1
			want, _ := readAll(plain)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: records differ from encoding/csv's", c.name)
			}
		}
	}
}

// FuzzCSVReader holds the limited reader against encoding/csv on input
// within the limit: the same records and the same parse errors, with and
// without comment lines.
//
//	go test ./internal/input -run '^$' -fuzz '^FuzzCSVReader$' -fuzztime 3m
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"phone,name\n+1,\"a,\"\"b\"\"\nc\"\r\n", "a\"b,c\n#x\n\"d\"e\n", "\n\n,,\n\"\"\n", "#\"\n\"#\",x"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, comments bool) {
		comment := rune(0)
		if comments {
			comment = '#'
		}
		plain := csv.NewReader(bytes.NewReader(data))
		plain.Comment, plain.FieldsPerRecord = comment, -1
		want, werr := readAll(plain)
		got, gerr := readAll(input.NewCSVReader(bytes.NewReader(data), comment))
		if (werr == nil) != (gerr == nil) || strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%q:\nlimited %q %v\nplain   %q %v", data, got, gerr, want, werr)
		}
	})
}
