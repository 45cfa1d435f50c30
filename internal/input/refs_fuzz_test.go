package input_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/input"
)

var e164 = regexp.MustCompile(`^\+[0-9]{8,15}$`)

// oneSentence fails unless msg is printable as one line of valid UTF-8:
// user input quoted into an error must not break the terminal or the line
// structure of stderr.
func oneSentence(t *testing.T, what string, err error) {
	t.Helper()
	msg := err.Error()
	if !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r\x00") {
		t.Fatalf("%s: error is not one line of valid UTF-8: %q", what, msg)
	}
}

// FuzzParseRef: never panics; what it accepts is a canonical ref (E.164
// phone or positive id) that parses back to itself; what it refuses is
// refused in one line.
//
//	go test -run '^$' -fuzz FuzzParseRef -fuzztime 3m ./internal/input
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"+919800000001", "+91 (98) 000-000.01", "42", "0", "-1", "9223372036854775808",
		"+1234567", "+1234567890123456", "  +44 7000 000099 ", "abc", "+", "", "\x00", "\xff", "１２３", "+٣٣٣٣٣٣٣٣٣"} {
		for _, by := range []string{"auto", "phone", "id"} {
			f.Add(s, by)
		}
	}
	f.Fuzz(func(t *testing.T, s, byName string) {
		by, err := input.ParseBy(byName)
		if err != nil {
			by = input.ByAuto
		}
		ref, err := input.ParseRef(s, by)
		if err != nil {
			oneSentence(t, "ParseRef", err)
			return
		}
		switch {
		case ref.Phone != "" && ref.ID != 0:
			t.Fatalf("%q: both a phone and an id: %+v", s, ref)
		case ref.Phone != "":
			if !e164.MatchString(ref.Phone) {
				t.Fatalf("%q: phone %q is not E.164", s, ref.Phone)
			}
			if by == input.ByID {
				t.Fatalf("%q: --by id gave a phone", s)
			}
		case ref.ID <= 0:
			t.Fatalf("%q: id %d is not positive", s, ref.ID)
		case by == input.ByPhone:
			t.Fatalf("%q: --by phone gave an id", s)
		}
		again, err := input.ParseRef(ref.String(), by)
		if err != nil || again != ref {
			t.Fatalf("%q: canonical form %q parses to %+v, %v", s, ref.String(), again, err)
		}
	})
}

// refLine is what ReadLines should report for one line, by the rules its
// doc states; the model the fuzzer holds it against.
type refLine struct {
	line int
	text string
	bad  bool
}

func modelReadLines(data []byte) []refLine {
	var out []refLine
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, b := range lines {
		b = bytes.TrimSuffix(b, []byte("\r"))
		if i == 0 {
			b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
		}
		if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
			out = append(out, refLine{line: i + 1, bad: true})
			continue
		}
		s := string(b)
		if j := strings.IndexByte(s, '#'); j >= 0 {
			s = s[:j]
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, refLine{line: i + 1, text: s})
		}
	}
	return out
}

// FuzzReadLines holds the refs-file reader against modelReadLines: the same
// lines, numbered the same, bad lines (invalid UTF-8, NUL) reported by
// number, and nothing it passes on is blank, commented or multi-line.
//
//	go test -run '^$' -fuzz FuzzReadLines -fuzztime 3m ./internal/input
func FuzzReadLines(f *testing.F) {
	for _, s := range []string{
		"+919800000001\n42\n",
		"\xEF\xBB\xBF# spammers\r\n+91 98000 00001 # reported\r\n\r\n  7  \r\n",
		"1\n\xff\xfe\n2\x003\n",
		"no newline at the end",
		"#only a comment",
		"\n\n\n",
		"a\rb\n",
		"\xEF\xBB\xBF\xEF\xBB\xBF1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []refLine
		err := input.ReadLines(bytes.NewReader(data), func(line int, text string, bad error) error {
			if bad != nil {
				var le *input.LineError
				if !errors.As(bad, &le) || le.Line != line || text != "" {
					t.Fatalf("line %d: bad line reported as %#v with text %q", line, bad, text)
				}
				oneSentence(t, "ReadLines", bad)
				got = append(got, refLine{line: line, bad: true})
				return nil
			}
			if text == "" || text != strings.TrimSpace(text) || strings.ContainsAny(text, "#\n\x00") || !utf8.ValidString(text) {
				t.Fatalf("line %d: text %q passed on", line, text)
			}
			got = append(got, refLine{line: line, text: text})
			return nil
		})
		if len(data) >= input.MaxLineBytes {
			return // the model knows nothing of the line-length limit
		}
		if err != nil {
			t.Fatalf("ReadLines(%q): %v", data, err)
		}
		want := modelReadLines(data)
		if len(got) != len(want) {
			t.Fatalf("ReadLines(%q) = %+v, want %+v", data, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("ReadLines(%q) = %+v, want %+v", data, got, want)
			}
		}
	})
}

// TestReadLinesTooLong: a line over the limit stops the read with its line
// number.
func TestReadLinesTooLong(t *testing.T) {
	data := "1\n2\n" + strings.Repeat("9", input.MaxLineBytes+1) + "\n"
	err := input.ReadLines(strings.NewReader(data), func(int, string, error) error { return nil })
	var le *input.LineError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("got %v, want a line 3 error", err)
	}
}
