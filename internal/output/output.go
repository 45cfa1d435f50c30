// Package output prints results behind the -o flag: a go-pretty table for
// people at a terminal, and json, ndjson, csv and tsv for scripts. Lists
// stream: json, ndjson, csv and tsv write each row as it arrives.
//
// Text that customers and agents wrote is data, never instructions: table
// and tsv cells escape control characters and bidirectional formatting
// (safetext.Escape), json writes them as \u escapes, and csv puts a ' before
// a text cell that a spreadsheet would run as a formula.
package output

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/inboxctl/inboxctl/internal/safetext"
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

// Kind is what a column's text cells hold, which decides whether csv must
// keep a spreadsheet from running them as formulas.
type Kind uint8

const (
	// Written is text a customer or agent wrote, or may have (the default):
	// in csv a cell starting with = + - @, a tab or a CR gets a leading '.
	Written Kind = iota
	// Numeric is a phone, an id or a number given as text: csv leaves a
	// cell that is one (+919800000001, -2, 1.5) as it is, and guards any
	// other like Written text (an invalid ref echoed back, say).
	Numeric
)

// Column is a field of a list: Key in json/ndjson/csv, Title in a table.
type Column struct {
	Key   string
	Title string
	Kind  Kind
}

// Columns are a list's fields.
type Columns []Column

// Cols builds Written columns from keys; titles are the keys upper-cased.
func Cols(keys ...string) Columns {
	out := make(Columns, len(keys))
	for i, k := range keys {
		out[i] = Column{Key: k, Title: strings.ToUpper(strings.ReplaceAll(k, "_", " "))}
	}
	return out
}

// Numeric makes the named columns Numeric. Naming a column the list does
// not have is a programming error and panics.
func (cs Columns) Numeric(keys ...string) Columns {
	for _, k := range keys {
		i := 0
		for i < len(cs) && cs[i].Key != k {
			i++
		}
		if i == len(cs) {
			panic("output: no column " + k)
		}
		cs[i].Kind = Numeric
	}
	return cs
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
	// whole marks the columns never cut while text columns can give way:
	// times, numbers, flags and Numeric columns (ids, phones).
	whole []bool
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
			if !literal(v) {
				rec[i] = csvCell(l.cols[i].Kind, rec[i])
			}
		}
		return l.csv.Write(rec)
	case TSV:
		for i, v := range vals {
			if i > 0 {
				l.w.WriteByte('\t')
			}
			l.w.WriteString(safetext.Escape(Text(v)))
		}
		return l.w.WriteByte('\n')
	case Table:
		row := make(table.Row, len(vals))
		if len(l.whole) < len(vals) {
			l.whole = append(l.whole, make([]bool, len(vals)-len(l.whole))...)
		}
		for i, v := range vals {
			row[i] = tableText(v)
			if !l.whole[i] && (i >= len(l.cols) || l.cols[i].Kind == Numeric || !isText(v)) {
				l.whole[i] = true
			}
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
		l.w.Write(jsonEscape(b))
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
		if cap(l.rec) < len(cells) {
			l.rec = make([]string, len(cells))
		}
		rec := l.rec[:len(cells)]
		for i, c := range cells {
			rec[i] = csvCell(l.cols[i].Kind, c)
		}
		return l.csv.Write(rec)
	}
	for i, c := range cells {
		if i > 0 {
			l.w.WriteByte('\t')
		}
		l.w.WriteString(safetext.Escape(c))
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
// the columns, each at most C wide, fit. Text columns give way first;
// times, numbers and ids are cut only when the text alone cannot make
// room. Cut cells end in "…".
func (l *List) fitWidth() {
	if l.p.Width <= 0 || len(l.widths) == 0 {
		return
	}
	avail := l.p.Width - columnGap*(len(l.widths)-1)
	cuttable := func(i int, textOnly bool) bool { return !textOnly || i >= len(l.whole) || !l.whole[i] }
	fits := func(c int, textOnly bool) bool {
		sum := 0
		for i, w := range l.widths {
			if cuttable(i, textOnly) {
				w = min(w, c)
			}
			sum += w
		}
		return sum <= avail
	}
	widest := 0
	for _, w := range l.widths {
		widest = max(widest, w)
	}
	if fits(widest, false) {
		return
	}
	textOnly := fits(1, true)
	lo, hi := 1, widest // fits(lo) is assumed; the cap is at least 1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(mid, textOnly) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	var cfgs []table.ColumnConfig
	for i, w := range l.widths {
		if w > lo && cuttable(i, textOnly) {
			cfgs = append(cfgs, table.ColumnConfig{Number: i + 1, WidthMax: lo, WidthMaxEnforcer: ellipsis})
		}
	}
	l.tbl.SetColumnConfigs(cfgs)
}

// isText says whether a cell is text someone wrote, not a time, number
// or flag.
func isText(v any) bool {
	switch v.(type) {
	case time.Time, *time.Time, bool, *bool, int, int64, *int64, int32, float64:
		return false
	case string, *string, fmt.Stringer:
		return true
	}
	return false
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

// Field is one line of a record shown as a key/value table; Kind is its
// value's, as a column's (a phone is Numeric).
type Field struct {
	Title string
	Value any
	Kind  Kind
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
		l.cols[1].Kind = f.Kind
		if err := l.Row(f.Title, f.Value); err != nil {
			return err
		}
	}
	// A record's values mix text and times in one column: its widest
	// cells give way, whatever they hold.
	l.whole = nil
	return l.Close()
}

// JSON prints v as one indented JSON document (ndjson: one line). Every
// time in it is printed as Time prints it.
func (p *Printer) JSON(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if p.Format != NDJSON {
		enc.SetIndent("", "  ")
	}
	if v != nil {
		v = wholeSecondsUTC(reflect.ValueOf(v)).Interface()
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := p.Out.Write(jsonEscape(b.Bytes()))
	return err
}

// jsonEscape writes as \uHHHH the unsafe characters that encoding/json
// leaves raw (DEL, C1 controls such as the 8-bit CSI, bidirectional
// overrides):
// any JSON reader reads the same strings, and a terminal shown the
// document sees nothing to act on. Outside its strings JSON is ASCII, so
// every such character is inside one.
func jsonEscape(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < 0x7f {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r >= 0x7f && safetext.Unsafe(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// wholeSecondsUTC is a copy of v whose every time.Time (in structs,
// pointers, slices, maps) is in UTC and truncated to whole seconds, which
// encoding/json prints as "2026-12-01T21:51:13Z" — the same text
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
// in UTC with whole seconds, "2026-12-01T21:51:13Z".
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
	// One line, and nothing a customer wrote (ESC sequences that move the
	// cursor, retitle the window or write the clipboard) drives the
	// terminal of whoever lists it.
	return safetext.Escape(s)
}

// literal reports whether v is a value inboxctl formats itself (a number,
// a flag, a time), which no spreadsheet runs as a formula.
func literal(v any) bool {
	switch v.(type) {
	case int, int64, *int64, float64, bool, time.Time, *time.Time:
		return true
	}
	return false
}

// csvCell neutralises a text cell that a spreadsheet would run as a
// formula (OWASP's list of first characters) with a leading ', unless it
// is a number in a Numeric column.
func csvCell(k Kind, s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if k == Numeric && isNumber(s) {
		return s
	}
	return "'" + s
}

// isNumber: an optional sign, digits, and an optional fraction (a phone
// in E.164 is one).
func isNumber(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	return digitsOnly(whole) && (!dot || digitsOnly(frac))
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
