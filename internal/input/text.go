package input

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/safetext"
)

// Documented limits, in characters, for text users give.
const (
	MaxNameLen    = 200
	MaxReasonLen  = 500
	MaxLabelLen   = 22
	MaxTraitKey   = 100
	MaxTraitValue = 500
	MaxTextLen    = 4096
	MaxEmailLen   = 254
	MaxSlugLen    = 63
)

// Text validates free text: valid UTF-8, no NUL byte, at most max characters.
func Text(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL byte", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters long; the limit is %d", field, n, max)
	}
	return nil
}

// Plain validates one line of plain text that inboxctl shows back to
// people (an agent email, a label, a campaign name, a reason): Text, and
// no control or bidirectional formatting character (safetext.Unsafe),
// which could drive a terminal or disguise the text wherever it is shown.
// The error names the character by its code point, never raw.
func Plain(field, s string, max int) error {
	if err := Text(field, s, max); err != nil {
		return err
	}
	if r, bad := safetext.First(s); bad {
		return fmt.Errorf("%s may not contain control or bidirectional formatting characters (it has U+%04X)", field, r)
	}
	return nil
}

// Label validates a label name: 1–22 characters, not blank, plain.
func Label(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("a label needs 1 to %d characters", MaxLabelLen)
	}
	return Plain("label", s, MaxLabelLen)
}

// Email validates and normalises an agent email (lower case).
func Email(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	if err := Plain("email", e, MaxEmailLen); err != nil {
		return "", err
	}
	at := strings.IndexByte(e, '@')
	if at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n") {
		return "", fmt.Errorf("%q is not an email address", clip(s))
	}
	return e, nil
}

// Slug validates an org slug: lower-case letters, digits and dashes.
func Slug(s string) error {
	if s == "" || len(s) > MaxSlugLen {
		return fmt.Errorf("an org slug needs 1 to %d characters", MaxSlugLen)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("org slug %q may hold only a-z, 0-9 and '-'", clip(s))
		}
	}
	return nil
}

// TraitKey validates a trait name; the spam trait is refused (rule 4).
func TraitKey(k string) error {
	if strings.TrimSpace(k) == "" {
		return fmt.Errorf("a trait name may not be empty")
	}
	if err := Text("trait name", k, MaxTraitKey); err != nil {
		return err
	}
	return rules.ValidateTraitKey(k)
}

// ParseWhere turns --where TRAIT=VALUE flags into a segment, AND-ed. A trait
// named twice with different values can match nobody and is refused.
func ParseWhere(where []string) (rules.Segment, error) {
	seg := rules.Segment{}
	for _, w := range where {
		k, v, ok := strings.Cut(w, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("--where %q is not TRAIT=VALUE", clip(w))
		}
		if err := Text("trait name", k, MaxTraitKey); err != nil {
			return nil, err
		}
		if err := Text("trait value", v, MaxTraitValue); err != nil {
			return nil, err
		}
		if old, dup := seg[k]; dup && old != v {
			return nil, fmt.Errorf("--where names trait %q twice (%q and %q): no user can match both", k, old, v)
		}
		seg[k] = v
	}
	return seg, nil
}
