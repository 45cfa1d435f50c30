package safetext_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/safetext"
)

// hostile is what the attacker wrote: a formula with an OSC title,
// an OSC 52 clipboard write, an 8-bit CSI, a right-to-left override.
const hostile = "=HYPERLINK(\"http://evil.example/\",\"Invoice\")\x1b]0;hi\a" +
	" \x1b]52;c;ZXZpbA==\a \u009b31m \u202eexe.txt"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, escape, visible, prose string }{
		{"plain Ünïcödé 😀 नमस्ते", "plain Ünïcödé 😀 नमस्ते", "plain Ünïcödé 😀 नमस्ते", "plain Ünïcödé 😀 नमस्ते"},
		{`a\b`, `a\\b`, `a\b`, `a\b`},
		{"tab\tline\ncr\r", `tab\tline\ncr\r`, `tab\tline\ncr\r`, "tab\tline\ncr\\r"},
		{"\x00\x07\x1b\x7f", `\x00\x07\x1b\x7f`, `\x00\x07\x1b\x7f`, `\x00\x07\x1b\x7f`},
		{"\u0080\u009b\u009f\u00a0", `\u0080\u009b\u009f` + "\u00a0", `\u0080\u009b\u009f` + "\u00a0", `\u0080\u009b\u009f` + "\u00a0"},
		{"\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029", `\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029`, `\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029`, `\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029`},
		// A zero-width joiner holds emoji together; it is not a control.
		{"👩\u200d💻", "👩\u200d💻", "👩\u200d💻", "👩\u200d💻"},
		// Bytes that are not UTF-8: \x80 and up; a raw 0x9b is an 8-bit CSI
		// to a terminal that is not in UTF-8 mode.
		{"a\x9bb\xff\xc3", `a\x9bb\xff\xc3`, `a\x9bb\xff\xc3`, `a\x9bb\xff\xc3`},
		{hostile,
			`=HYPERLINK("http://evil.example/","Invoice")\x1b]0;hi\x07 \x1b]52;c;ZXZpbA==\x07 \u009b31m \u202eexe.txt`,
			`=HYPERLINK("http://evil.example/","Invoice")\x1b]0;hi\x07 \x1b]52;c;ZXZpbA==\x07 \u009b31m \u202eexe.txt`,
			`=HYPERLINK("http://evil.example/","Invoice")\x1b]0;hi\x07 \x1b]52;c;ZXZpbA==\x07 \u009b31m \u202eexe.txt`},
	} {
		if got := safetext.Escape(c.in); got != c.escape {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.escape)
		}
		if got := safetext.Visible(c.in); got != c.visible {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.visible)
		}
		if got := safetext.Prose(c.in); got != c.prose {
			t.Errorf("Prose(%q) = %q, want %q", c.in, got, c.prose)
		}
	}
}

func TestFirst(t *testing.T) {
	for in, want := range map[string]rune{"ok@demo.test": 0, "a\x1bb": 0x1b, "x\u202ey\x07": 0x202e, "tab\t": '\t', "\u0085": 0x85} {
		r, found := safetext.First(in)
		if found != (want != 0) || r != want {
			t.Errorf("First(%q) = %U, %v; want %U", in, r, found, want)
		}
	}
}

// unescape reverses Escape; it fails on anything Escape cannot write.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("lone backslash at the end")
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'x', 'u':
			width := 2
			if s[i] == 'u' {
				width = 4
			}
			if i+width >= len(s) {
				return "", fmt.Errorf("short escape at %d", i)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+width], 16, 32)
			if err != nil || strings.ToLower(s[i+1:i+1+width]) != s[i+1:i+1+width] {
				return "", fmt.Errorf("bad escape %q", s[i-1:i+1+width])
			}
			if s[i] == 'x' {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i += width
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// safe checks that nothing unsafe survived: the text is UTF-8 and holds no
// unsafe character but those allowed.
func safe(t *testing.T, fn, in, out string, allowed string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q is not UTF-8", fn, in, out)
	}
	for _, r := range out {
		if safetext.Unsafe(r) && !strings.ContainsRune(allowed, r) {
			t.Fatalf("%s(%q) = %q keeps %U", fn, in, out, r)
		}
	}
}

// FuzzEscape: whatever the bytes, no escaper lets an unsafe character or
// a byte that is not UTF-8 through; Escape is reversible (so injective);
// Visible and Prose change nothing in text that has nothing unsafe.
//
//	go test ./internal/safetext -run '^$' -fuzz '^FuzzEscape$' -fuzztime 3m
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", hostile, `a\x1bb`, `\\u202e`, "\xff\xfe\x9b", "👩\u200d💻", "\t\n\r\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := safetext.Escape(s)
		safe(t, "Escape", s, e, "")
		back, err := unescape(e)
		if err != nil || back != s {
			t.Fatalf("Escape(%q) = %q does not reverse: %q, %v", s, e, back, err)
		}
		v := safetext.Visible(s)
		safe(t, "Visible", s, v, "")
		p := safetext.Prose(s)
		safe(t, "Prose", s, p, "\t\n")
		if _, bad := safetext.First(s); !bad && utf8.ValidString(s) && (v != s || p != s) {
			t.Fatalf("safe text %q changed: Visible %q, Prose %q", s, v, p)
		}
	})
}
