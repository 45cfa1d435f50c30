// Package output prints results behind the -o flag: a go-pretty table for
// people at a terminal, and json, ndjson, csv and tsv for scripts. Lists
// stream: json, ndjson, csv and tsv write each row as it arrives.
package output

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// Format is an output format.
type Format string

const (
	Table  Format = "table"
	JSON   Format = "json"
	NDJSON Format = "ndjson"
	CSV    Format = "csv"
	TSV    Format = "tsv"
)

// Formats lists the formats, for help and completion.
var Formats = []string{string(Table), string(JSON), string(NDJSON), string(CSV), string(TSV)}

// ParseFormat validates -o; empty picks table on a terminal, tsv otherwise.
func ParseFormat(s string, tty bool) (Format, error) {
	if s == "" {
		if tty {
			return Table, nil
		}
		return TSV, nil
	}
	for _, f := range Formats {
		if s == f {
			return Format(s), nil
		}
	}
	return "", fmt.Errorf("-o must be one of %s, not %q", strings.Join(Formats, ", "), s)
}

// Printer writes results to Out in one format.
type Printer struct {
	Out    io.Writer
	Format Format
	Color  bool
}

// Column is a field of a list: Key in json/ndjson/csv, Title in a table.
type Column struct {
	Key   string
	Title string
}

// Cols builds columns from keys; titles are the keys upper-cased.
func Cols(keys ...string) []Column {
	out := make([]Column, len(keys))
	for i, k := range keys {
		out[i] = Column{Key: k, Title: strings.ToUpper(strings.ReplaceAll(k, "_", " "))}
	}
	return out
}

// List is a streaming list writer.
type List struct {
	p    *Printer
	cols []Column
	w    *bufio.Writer
	csv  *csv.Writer
	tbl  table.Writer
	rec  []string
	n    int
}

// List starts a list with the given columns.
func (p *Printer) List(cols []Column) *List {
	l := &List{p: p, cols: cols, w: bufio.NewWriterSize(p.Out, 64*1024)}
	switch p.Format {
	case CSV:
		l.csv = csv.NewWriter(l.w)
		keys := make([]string, len(cols))
		for i, c := range cols {
			keys[i] = c.Key
		}
		_ = l.csv.Write(keys)
	case Table:
		l.tbl = newTable(p.Color)
		hdr := make(table.Row, len(cols))
		for i, c := range cols {
			hdr[i] = c.Title
		}
		l.tbl.AppendHeader(hdr)
	case JSON:
		l.w.WriteString("[")
	}
	return l
}

// Row writes one row; values line up with the columns.
func (l *List) Row(vals ...any) error {
	l.n++
	switch l.p.Format {
	case CSV:
		// One record slice for the whole list: rows stream by the million.
		if cap(l.rec) < len(vals) {
			l.rec = make([]string, len(vals))
		}
		rec := l.rec[:len(vals)]
		for i, v := range vals {
			rec[i] = Text(v)
		}
		return l.csv.Write(rec)
	case TSV:
		for i, v := range vals {
			if i > 0 {
				l.w.WriteByte('\t')
			}
			l.w.WriteString(escapeTSV(Text(v)))
		}
		return l.w.WriteByte('\n')
	case Table:
		row := make(table.Row, len(vals))
		for i, v := range vals {
			row[i] = tableText(v)
		}
		l.tbl.AppendRow(row)
		if l.tbl.Length() == tableChunk {
			return l.flushTable()
		}
		return nil
	case JSON:
		if l.n > 1 {
			l.w.WriteString(",")
		}
		l.w.WriteString("\n  ")
		return l.writeObject(vals)
	default:
		if err := l.writeObject(vals); err != nil {
			return err
		}
		return l.w.WriteByte('\n')
	}
}

func (l *List) writeObject(vals []any) error {
	l.w.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			l.w.WriteByte(',')
		}
		k, _ := json.Marshal(l.cols[i].Key)
		l.w.Write(k)
		l.w.WriteByte(':')
		b, err := json.Marshal(jsonValue(v))
		if err != nil {
			return err
		}
		l.w.Write(b)
	}
	return l.w.WriteByte('}')
}

// Textual reports whether rows are plain text cells (csv, tsv), which
// RowText writes without boxing each value.
func (l *List) Textual() bool { return l.p.Format == CSV || l.p.Format == TSV }

// RowText writes one row of already rendered cells; only for a Textual
// list. It is Row without an interface value per cell, for lists that
// stream a million rows.
func (l *List) RowText(cells ...string) error {
	l.n++
	if l.p.Format == CSV {
		return l.csv.Write(cells)
	}
	for i, c := range cells {
		if i > 0 {
			l.w.WriteByte('\t')
		}
		l.w.WriteString(escapeTSV(c))
	}
	return l.w.WriteByte('\n')
}

// Flush pushes buffered rows out (for ndjson consumers that read as we go).
func (l *List) Flush() error {
	if l.csv != nil {
		l.csv.Flush()
	}
	return l.w.Flush()
}

// Close ends the list.
func (l *List) Close() error {
	switch l.p.Format {
	case CSV:
		l.csv.Flush()
		if err := l.csv.Error(); err != nil {
			return err
		}
	case Table:
		if l.tbl.Length() > 0 {
			if err := l.flushTable(); err != nil {
				return err
			}
		}
	case JSON:
		if l.n > 0 {
			l.w.WriteString("\n")
		}
		l.w.WriteString("]\n")
	}
	return l.w.Flush()
}

// tableChunk is how many rows a table holds before it is written out: a
// table of a million rows streams in flat memory, as kubectl's does, each
// chunk aligned on its own and the header printed once.
const tableChunk = 1000

// flushTable writes the rows held so far and starts a table without header
// for the rows to come.
func (l *List) flushTable() error {
	l.w.WriteString(trimLines(l.tbl.Render()))
	l.w.WriteByte('\n')
	style := *l.tbl.Style()
	l.tbl = table.NewWriter()
	l.tbl.SetStyle(style)
	return l.w.Flush()
}

// Len is the number of rows written.
func (l *List) Len() int { return l.n }

// Field is one line of a record shown as a key/value table.
type Field struct {
	Title string
	Value any
}

// Record prints one document: v as JSON for json and ndjson, fields as a
// two-column table for table, and as key/value rows for csv and tsv.
func (p *Printer) Record(v any, fields []Field) error {
	switch p.Format {
	case JSON, NDJSON:
		return p.JSON(v)
	}
	l := p.List([]Column{{Key: "field", Title: "FIELD"}, {Key: "value", Title: "VALUE"}})
	if p.Format == Table {
		l.tbl = newTable(p.Color)
		l.tbl.Style().Options.DrawBorder = false
	}
	for _, f := range fields {
		if err := l.Row(f.Title, f.Value); err != nil {
			return err
		}
	}
	return l.Close()
}

// JSON prints v as one indented JSON document (ndjson: one line).
func (p *Printer) JSON(v any) error {
	enc := json.NewEncoder(p.Out)
	if p.Format != NDJSON {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

func newTable(color bool) table.Writer {
	t := table.NewWriter()
	style := table.StyleLight
	style.Options = table.Options{DrawBorder: false, SeparateColumns: false, SeparateHeader: false, SeparateRows: false}
	style.Box.PaddingLeft = ""
	style.Box.PaddingRight = "   "
	style.Format.Header = text.FormatUpper
	if color {
		style.Color.Header = text.Colors{text.Bold}
	}
	t.SetStyle(style)
	return t
}

// Time formats a time for text output: RFC 3339 with zone.
func Time(t time.Time) string { return t.Format(time.RFC3339) }

// Text renders a value for csv/tsv.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case *string:
		if x == nil {
			return ""
		}
		return *x
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return Time(x)
	case *time.Time:
		if x == nil {
			return ""
		}
		return Time(*x)
	case int64:
		return strconv.FormatInt(x, 10)
	case *int64:
		if x == nil {
			return ""
		}
		return strconv.FormatInt(*x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// tableText renders a value for people: shorter times, dashes for nothing.
func tableText(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return "-"
		}
		return x.Local().Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil {
			return "-"
		}
		return tableText(*x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	}
	s := Text(v)
	if s == "" {
		return "-"
	}
	return strings.Map(terminalSafe, s)
}

// terminalSafe keeps a table cell on one line and harmless to a terminal:
// line breaks and tabs become spaces, and every other control character
// becomes U+FFFD, so text a customer chose (a name with ESC sequences that
// move the cursor, retitle the window or write the clipboard) cannot drive
// the terminal of whoever lists it.
func terminalSafe(r rune) rune {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		return ' '
	case unicode.IsControl(r):
		return '\uFFFD'
	}
	return r
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return Time(x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return Time(*x)
	}
	return v
}

// trimLines drops the column padding go-pretty leaves at the end of each
// line, so a copied table has no trailing spaces.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

var tsvEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

func escapeTSV(s string) string { return tsvEscaper.Replace(s) }
