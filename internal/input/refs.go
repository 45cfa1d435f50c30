// Package input parses and validates what users type or feed in: refs,
// refs files, free text and --where filters. Every parser here has a fuzz
// target.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package input

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// By says how a REF is read.
type By string

const (
	ByAuto  By = "auto"
	ByPhone By = "phone"
	ByID    By = "id"
)

// ParseBy validates a --by value.
func ParseBy(s string) (By, error) {
	switch By(s) {
	case ByAuto, ByPhone, ByID:
		return By(s), nil
	}
	return "", fmt.Errorf("--by must be auto, phone or id, not %q", s)
}

// Ref is a user reference: a phone in E.164 or a numeric id (exactly one is set).
type Ref struct {
	Phone string
	ID    int64
}

func (r Ref) String() string {
	if r.Phone != "" {
		return r.Phone
	}
	return strconv.FormatInt(r.ID, 10)
}

// ParseRef reads one REF: a phone ('+' then 8–15 digits; spaces, dashes,
// dots and parentheses ignored) or a numeric user id.
func ParseRef(s string, by By) (Ref, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return Ref{}, errors.New("empty ref")
	}
	if !utf8.ValidString(raw) || strings.ContainsRune(raw, 0) {
		return Ref{}, errors.New("ref is not valid UTF-8 text")
	}
	switch by {
	case ByID:
		return parseID(raw)
	case ByPhone:
		return ParsePhone(raw)
	}
	if strings.HasPrefix(raw, "+") {
		return ParsePhone(raw)
	}
	if isDigits(raw) {
		return parseID(raw)
	}
	return Ref{}, fmt.Errorf("%q is neither a phone (+ then 8-15 digits) nor a numeric user id", clip(raw))
}

// ParsePhone normalises a phone to E.164. A leading '+' may be omitted.
func ParsePhone(s string) (Ref, error) {
	var b strings.Builder
	b.WriteByte('+')
	digits := 0
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r == '+' && i == 0:
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return Ref{}, fmt.Errorf("%q is not a phone: unexpected %q", clip(s), r)
		}
	}
	if digits < 8 || digits > 15 {
		return Ref{}, fmt.Errorf("%q is not a phone: E.164 has 8 to 15 digits, this has %d", clip(s), digits)
	}
	return Ref{Phone: b.String()}, nil
}

func parseID(s string) (Ref, error) {
	if !isDigits(s) {
		return Ref{}, fmt.Errorf("%q is not a numeric user id", clip(s))
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return Ref{}, fmt.Errorf("%q is not a valid user id", clip(s))
	}
	return Ref{ID: id}, nil
}

func isDigits(s string) bool {
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

// clip shortens long input for error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// MaxLineBytes is the longest line a refs file may have.
const MaxLineBytes = 64 * 1024

// LineError is a bad input line.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// ReadLines streams the meaningful lines of a refs file to fn with their
// line numbers: a '#' starts a comment, blank lines are skipped, a UTF-8 BOM
// and CRLF endings are accepted. Invalid UTF-8, NUL bytes and over-long
// lines are reported to fn as a *LineError in place of text, so a caller can
// collect every bad line; fn's own error stops the read.
func ReadLines(r io.Reader, fn func(line int, text string, bad error) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if n == 1 {
			b = trimBOM(b)
		}
		var bad error
		text := ""
		switch {
		case !utf8.Valid(b):
			bad = errors.New("not valid UTF-8")
		case containsNUL(b):
			bad = errors.New("contains a NUL byte")
		default:
			text = string(b)
			if i := strings.IndexByte(text, '#'); i >= 0 {
				text = text[:i]
			}
			text = strings.TrimSpace(text)
			if text == "" {
				continue
			}
		}
		if bad != nil {
			bad = &LineError{Line: n, Err: bad}
		}
		if err := fn(n, text, bad); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &LineError{Line: n + 1, Err: ErrTooLong}
		}
		return err
	}
	return nil
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

func containsNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}
