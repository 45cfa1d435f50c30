// Package safetext keeps text that customers and agents wrote from driving
// a terminal. It names the characters that must never reach one raw (C0
// and C1 controls, DEL, and the bidirectional formatting characters that
// reorder what is shown) and writes them as visible backslash escapes.
package safetext

import (
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r must not reach a terminal raw: a C0 control
// (ESC starts every escape sequence, BEL ends an OSC), DEL, a C1 control
// (U+009B is an 8-bit CSI, U+009D an OSC), a bidirectional mark, embedding,
// override or isolate (U+202E shows "exe.txt" as "txt.exe"), or a line or
// paragraph separator.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// First returns the first unsafe character of s, and false when there is
// none. Bytes that are not UTF-8 are not its concern (input.Text refuses
// them).
func First(s string) (rune, bool) {
	for _, r := range s {
		if Unsafe(r) {
			return r, true
		}
	}
	return 0, false
}

// Escape writes every unsafe character, every byte that is not UTF-8 and
// the backslash as a backslash escape: \\, \t, \n, \r, \xHH for the other
// C0 controls, DEL and the bytes that are not UTF-8 (HH of 80 and up is
// always such a byte), \uHHHH for the other characters. The result is
// valid UTF-8 with nothing unsafe in it, and Escape is reversible: two
// texts never escape alike. For tsv and table cells.
func Escape(s string) string { return escape(s, true, true) }

// Visible escapes like Escape but leaves the backslash alone, so text
// without unsafe characters comes out unchanged: for a shell completion
// candidate, which must stay one line and complete what was stored.
func Visible(s string) string { return escape(s, false, true) }

// Prose escapes like Visible but keeps line breaks and tabs: for messages
// to people, such as errors, that quote what somebody typed.
func Prose(s string) string { return escape(s, false, false) }

// escape is Escape (backslash), Visible (lines) or Prose (neither).
func escape(s string, backslash, lines bool) string {
	i := firstEscaped(s, backslash, lines)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case !escaped(c, backslash, lines):
				b.WriteByte(c)
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			default:
				hex(&b, `\x`, uint32(c), 2)
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			hex(&b, `\x`, uint32(c), 2)
		case Unsafe(r):
			hex(&b, `\u`, uint32(r), 4)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escaped reports whether the ASCII byte c is escaped.
func escaped(c byte, backslash, lines bool) bool {
	switch c {
	case '\\':
		return backslash
	case '\t', '\n':
		return lines
	}
	return c < 0x20 || c == 0x7f
}

// firstEscaped is the index of the first byte escape changes, or len(s):
// most text has none and is returned without a copy.
func firstEscaped(s string, backslash, lines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if escaped(c, backslash, lines) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || Unsafe(r) {
			return i
		}
		i += n
	}
	return len(s)
}

const digits = "0123456789abcdef"

func hex(b *strings.Builder, prefix string, v uint32, width int) {
	b.WriteString(prefix)
	for shift := 4 * (width - 1); shift >= 0; shift -= 4 {
		b.WriteByte(digits[v>>uint(shift)&0xf])
	}
}
