// Package redact finds the passwords in a database connection string of
// any shape, well-formed or not, and masks them: in what `config show`
// prints and in every message that might quote the string. It reads text
// only (no driver), so it can mask what the driver itself refuses to parse.
package redact

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask is what a password is replaced with.
const Mask = "****"

// DSN returns s with every password it holds replaced by ****: the
// password of a URL's user info (any scheme, any case, leading space, one
// slash or none), a password query parameter (its name percent-encoded or
// not), and a key=value password (quoted or not).
func DSN(s string) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans(s) {
		b.WriteString(s[last:sp.from])
		b.WriteString(Mask)
		last = sp.to
	}
	b.WriteString(s[last:])
	return b.String()
}

// HasPassword reports whether s holds a password.
func HasPassword(s string) bool { return len(spans(s)) > 0 }

// Secrets lists the passwords s holds, in every spelling a message about s
// might show: as written, decoded (percent-encoding, backslash escapes),
// re-encoded, and quoted as Go's %q would.
func Secrets(s string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(v string) {
		if v != "" && v != Mask && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	addQuoted := func(v string) {
		add(v)
		q := strconv.Quote(v)
		add(q[1 : len(q)-1])
	}
	for _, sp := range spans(s) {
		raw := s[sp.from:sp.to]
		addQuoted(raw)
		for _, d := range []string{unescapePercent(raw, false), unescapePercent(raw, true), unescapeBackslash(raw)} {
			addQuoted(d)
			add(percentEncode(d))
		}
	}
	// Longest first, so a secret is never half-masked by a shorter one it
	// contains.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Text masks in msg every secret, and every quoted piece ("…" or `…`) of a
// secret that is at least 3 characters long: a parser's message may quote
// just the part of a password it choked on.
func Text(msg string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			msg = strings.ReplaceAll(msg, sec, Mask)
		}
	}
	if len(secrets) == 0 {
		return msg
	}
	return quotedPiece.ReplaceAllStringFunc(msg, func(piece string) string {
		inner := piece[1 : len(piece)-1]
		if utf8.RuneCountInString(inner) < 3 {
			return piece
		}
		for _, sec := range secrets {
			if strings.Contains(sec, inner) {
				return piece[:1] + Mask + piece[len(piece)-1:]
			}
		}
		return piece
	})
}

var quotedPiece = regexp.MustCompile("\"[^\"]*\"|`[^`]*`")

// span is a password's byte range in a connection string.
type span struct{ from, to int }

// spans finds every password in s, sorted and merged.
func spans(s string) []span {
	var all []span
	if sp, ok := userInfo(s); ok {
		all = append(all, sp)
	}
	urlLike := scheme.MatchString(strings.TrimLeftFunc(s, unicode.IsSpace))
	all = append(all, queryParams(s)...)
	all = append(all, keywords(s, urlLike)...)
	sort.Slice(all, func(i, j int) bool { return all[i].from < all[j].from })
	var out []span
	for _, sp := range all {
		if sp.to <= sp.from {
			continue
		}
		if n := len(out); n > 0 && sp.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, sp.to)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// scheme is a URL scheme followed by at least one slash (postgres://,
// POSTGRES://, postgres:/, or any other).
var scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:/+`)

// userInfo finds the password of user:password@host: everything between
// the first ':' after the user name's start and the last '@' (a malformed
// URL may hold an unencoded '@', '/', '?' or '#' in the password). The
// user name starts after the scheme and its slashes, else after leading
// slashes, else at the start: "bob:pw@host" is read as a URL without its
// scheme, as a careless copy would leave it.
func userInfo(s string) (span, bool) {
	start := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	at := strings.LastIndexByte(s, '@')
	if at < start {
		return span{}, false
	}
	m := scheme.FindStringIndex(s[start:at])
	hasScheme := m != nil
	if hasScheme {
		start += m[1]
	} else {
		start += len(s[start:at]) - len(strings.TrimLeft(s[start:at], "/"))
	}
	head := s[start:at]
	colon := strings.IndexByte(head, ':')
	if colon < 0 || !hasScheme && strings.Contains(head[:colon], "=") {
		// No password, or key=value settings with an '@' in a value
		// (keywords reads those).
		return span{}, false
	}
	return span{start + colon + 1, at}, true
}

// queryParam is a query parameter: after '?' or '&', a name, '=', a value.
var queryParam = regexp.MustCompile(`[?&]([^=&#?]*)=([^&#]*)`)

// queryParams finds the values of the parameters whose name, decoded, is
// password in any case (Go's URL parser decodes names: pass%77ord is
// password to the driver).
func queryParams(s string) []span {
	var out []span
	for _, m := range queryParam.FindAllStringSubmatchIndex(s, -1) {
		if strings.EqualFold(unescapePercent(s[m[2]:m[3]], true), "password") {
			out = append(out, span{m[4], m[5]})
		}
	}
	return out
}

// keyword is where a password=value setting's value begins.
var keyword = regexp.MustCompile(`(?i)password\s*=\s*`)

// keywords finds password=value settings as libpq reads them: a value in
// single quotes (with backslash escapes) up to the closing quote, else up
// to the next unescaped white space. In a URL, an unquoted value also ends
// at '&' or '#' (the next query parameter or the fragment).
func keywords(s string, urlLike bool) []span {
	var out []span
	for _, m := range keyword.FindAllStringIndex(s, -1) {
		i := m[1]
		if i < len(s) && s[i] == '\'' {
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			out = append(out, span{i + 1, min(j, len(s))})
			continue
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if unicode.IsSpace(r) || urlLike && (r == '&' || r == '#') {
				break
			}
			if r == '\\' {
				j += size
				if j < len(s) {
					_, size = utf8.DecodeRuneInString(s[j:])
				} else {
					size = 0
				}
			}
			j += size
		}
		out = append(out, span{i, j})
	}
	return out
}

// unescapePercent decodes %XX sequences (and '+' as a space in a query),
// leaving a malformed sequence as it is.
func unescapePercent(s string, query bool) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
		case s[i] == '+' && query:
			b.WriteByte(' ')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unescapeBackslash drops the backslash of each \x, as libpq's key=value
// parser does.
func unescapeBackslash(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// percentEncode encodes every byte but unreserved ones, as a URL builder
// might quote the password back.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
