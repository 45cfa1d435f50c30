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
	"reflect"
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
	// Width, when not 0, is the terminal's width: a table's widest columns
	// are cut (with …) so every line fits. 0 when stdout is no terminal.
	Width int
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
	// widths are the display widths of the widest cells of the table's
	// rows not yet written (the header's included while it is).
	widths []int
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
		l.measure(hdr)
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
		l.measure(row)
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
	if err := l.w.Flush(); err != nil {
		return err
	}
	if r, ok := l.p.Out.(interface{ Release() error }); ok {
		return r.Release()
	}
	return nil
}

// tableChunk is how many rows a table holds before it is written out: a
// table of a million rows streams in flat memory, as kubectl's does, each
// chunk aligned on its own and the header printed once.
const tableChunk = 1000

// flushTable writes the rows held so far and starts a table without header
// for the rows to come.
func (l *List) flushTable() error {
	l.fitWidth()
	l.w.WriteString(trimLines(l.tbl.Render()))
	l.w.WriteByte('\n')
	style := *l.tbl.Style()
	l.tbl = table.NewWriter()
	l.tbl.SetStyle(style)
	l.widths = l.widths[:0]
	return l.w.Flush()
}

// measure widens l.widths to the cells of row.
func (l *List) measure(row table.Row) {
	for i, c := range row {
		w := text.StringWidthWithoutEscSequences(fmt.Sprint(c))
		if i >= len(l.widths) {
			l.widths = append(l.widths, w)
		} else if w > l.widths[i] {
			l.widths[i] = w
		}
	}
}

// columnGap is the space between two table columns (PaddingRight).
const columnGap = 3

// fitWidth caps the widest columns of the rows about to be written so
// that each line fits the terminal's width: the largest cap C such that
// the columns, each at most C wide, fit. Cut cells end in "…".
func (l *List) fitWidth() {
	if l.p.Width <= 0 || len(l.widths) == 0 {
		return
	}
	avail := l.p.Width - columnGap*(len(l.widths)-1)
	fits := func(c int) bool {
		sum := 0
		for _, w := range l.widths {
			sum += min(w, c)
		}
		return sum <= avail
	}
	widest := 0
	for _, w := range l.widths {
		widest = max(widest, w)
	}
	if fits(widest) {
		return
	}
	lo, hi := 1, widest // fits(lo) is assumed; the cap is at least 1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	var cfgs []table.ColumnConfig
	for i, w := range l.widths {
		if w > lo {
			cfgs = append(cfgs, table.ColumnConfig{Number: i + 1, WidthMax: lo, WidthMaxEnforcer: ellipsis})
		}
	}
	l.tbl.SetColumnConfigs(cfgs)
}

// ellipsis cuts s to width display columns, the last of them "…".
func ellipsis(s string, width int) string {
	if text.StringWidthWithoutEscSequences(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := text.RuneWidth(r)
		if used+w > width-1 {
			break
		}
		b.WriteRune(r)
		used += w
	}
	b.WriteString("…")
	return b.String()
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
		l.widths = nil
	}
	for _, f := range fields {
		if err := l.Row(f.Title, f.Value); err != nil {
			return err
		}
	}
	return l.Close()
}

// JSON prints v as one indented JSON document (ndjson: one line). Every
// time in it is printed as Time prints it.
func (p *Printer) JSON(v any) error {
	enc := json.NewEncoder(p.Out)
	if p.Format != NDJSON {
		enc.SetIndent("", "  ")
	}
	if v != nil {
		v = wholeSecondsUTC(reflect.ValueOf(v)).Interface()
	}
	return enc.Encode(v)
}

var timeType = reflect.TypeFor[time.Time]()

// wholeSecondsUTC is a copy of v whose every time.Time (in structs,
// pointers, slices, maps) is in UTC and truncated to whole seconds, which
// encoding/json prints as "2026-12-01T21:51:13Z" (SPEC §5) — the same text
// as Time. Types with their own MarshalJSON get the copy too, so a page
// that reshapes itself still prints its times so.
func wholeSecondsUTC(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if !t.IsZero() {
				t = t.UTC().Truncate(time.Second)
			}
			return reflect.ValueOf(t)
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range v.NumField() {
			if f := out.Field(i); f.CanSet() {
				f.Set(wholeSecondsUTC(v.Field(i)))
			}
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(wholeSecondsUTC(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(wholeSecondsUTC(v.Elem()))
		return out
	case reflect.Slice, reflect.Array:
		if !mayHoldTime(v.Type().Elem()) || (v.Kind() == reflect.Slice && v.IsNil()) {
			return v
		}
		var out reflect.Value
		if v.Kind() == reflect.Slice {
			out = reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		} else {
			out = reflect.New(v.Type()).Elem()
		}
		for i := range v.Len() {
			out.Index(i).Set(wholeSecondsUTC(v.Index(i)))
		}
		return out
	case reflect.Map:
		if !mayHoldTime(v.Type().Elem()) || v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), wholeSecondsUTC(it.Value()))
		}
		return out
	}
	return v
}

// mayHoldTime reports whether a value of type t may contain a time.Time.
func mayHoldTime(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
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

// Time formats a time for every output format, tables included: RFC 3339
// in UTC with whole seconds, "2026-12-01T21:51:13Z" (SPEC §5).
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

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

// tableText renders a value for people: dashes for nothing, yes and no.
func tableText(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return "-"
		}
		return Time(x)
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
