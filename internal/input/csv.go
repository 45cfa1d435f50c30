package input

import (
	"encoding/csv"
	"fmt"
	"io"
)

// ErrTooLong is a line, or a CSV record, over MaxLineBytes.
var ErrTooLong = fmt.Errorf("longer than %d bytes (64 KiB)", MaxLineBytes)

// NewCSVReader is a csv.Reader over r (fields per record free, records
// reused, comment lines starting with comment if not 0) that holds every
// line and every record, quoted line breaks included, to MaxLineBytes: past
// that it fails with a *LineError naming the line where the record starts,
// having read at most a few KiB more, so memory stays flat whatever the
// file holds. encoding/csv itself would read a 100 MB field whole.
func NewCSVReader(r io.Reader, comment rune) *csv.Reader {
	cr := csv.NewReader(&csvLimit{r: r, comment: comment, line: 1, start: 1})
	cr.Comment = comment
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
}

// csvLimit passes r through, following where encoding/csv's records begin
// and end (a quote opens a quoted field only at a field's start; in it, a
// doubled quote is a quote; a malformed line is dropped to its end, as
// encoding/csv drops it), and fails once a line or a record grows past
// MaxLineBytes.
type csvLimit struct {
	r       io.Reader
	comment rune
	err     error // the failure, returned once the bytes before it are read

	state   csvState
	line    int // the line being read
	start   int // the line the record being read started on
	lineLen int // bytes of the line so far, without its '\n'
	recLen  int // bytes of the record so far
}

type csvState uint8

const (
	recordStart   csvState = iota // nothing of a record read yet
	fieldStart                    // after a comma
	unquoted                      // in an unquoted field
	quoted                        // in a quoted field
	quoteInQuoted                 // a quote in a quoted field: doubled, or the end
	toLineEnd                     // a comment, or a line encoding/csv gives up on
)

func (l *csvLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if l.step(p[i]) {
			l.err = &LineError{Line: l.start, Err: ErrTooLong}
			if i == 0 {
				return 0, l.err
			}
			return i, nil
		}
	}
	return n, err
}

// step moves past one byte and reports whether a limit is now exceeded.
func (l *csvLimit) step(c byte) bool {
	if c == '\n' {
		l.line++
		l.lineLen = 0
		switch l.state {
		case quoted:
			l.recLen++
		case quoteInQuoted, recordStart, fieldStart, unquoted, toLineEnd:
			l.state, l.recLen, l.start = recordStart, 0, l.line
		}
		return false
	}
	l.lineLen++
	l.recLen++
	switch l.state {
	case recordStart:
		switch {
		case l.comment != 0 && rune(c) == l.comment:
			l.state = toLineEnd
		case c == '"':
			l.state = quoted
		case c == ',':
			l.state = fieldStart
		default:
			l.state = unquoted
		}
	case fieldStart:
		switch c {
		case '"':
			l.state = quoted
		case ',':
		default:
			l.state = unquoted
		}
	case unquoted:
		switch c {
		case ',':
			l.state = fieldStart
		case '"':
			l.state = toLineEnd // a bare quote: encoding/csv drops the line
		}
	case quoted:
		if c == '"' {
			l.state = quoteInQuoted
		}
	case quoteInQuoted:
		switch c {
		case '"':
			l.state = quoted
		case ',':
			l.state = fieldStart
		default:
			l.state = toLineEnd // `"x`, or `"\r` before the '\n'
		}
	}
	// A CRLF line may carry its '\r' past the limit.
	return l.lineLen > MaxLineBytes+1 || l.recLen > MaxLineBytes+1 ||
		(l.lineLen > MaxLineBytes || l.recLen > MaxLineBytes) && c != '\r'
}
