package input

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Expiry is when a mark expires: after For from the mark's own time (the
// database's clock), or at Until. The zero Expiry is a mark that does not
// expire.
type Expiry struct {
	For   time.Duration
	Until *time.Time
}

// Set reports whether the expiry says anything.
func (e Expiry) Set() bool { return e.For > 0 || e.Until != nil }

// durationUnits are the units of --for, longest first for the help.
var durationUnits = map[byte]time.Duration{
	'm': time.Minute,
	'h': time.Hour,
	'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour,
}

// MaxDuration bounds --for and --expiring-within: 100 years, far past any
// sensible mark and well inside time.Duration and PostgreSQL's interval.
const MaxDuration = 100 * 365 * 24 * time.Hour

// ParseDuration reads a positive duration written as one or more NUMBER
// UNIT groups, units m (minutes), h (hours), d (days) and w (weeks):
// "30d", "1h", "1d12h", "90m".
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("no duration given: write a number and a unit, like 30m, 12h, 7d or 2w")
	}
	var total time.Duration
	for rest := in; rest != ""; {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("%q is not a duration: write a number and a unit (m, h, d or w), like 30m, 12h, 7d or 2w", clip(s))
		}
		unit, ok := durationUnits[rest[i]]
		if !ok {
			return 0, fmt.Errorf("%q is not a duration: the units are m (minutes), h (hours), d (days) and w (weeks)", clip(s))
		}
		var n int64
		for _, c := range rest[:i] {
			n = n*10 + int64(c-'0')
			if n > math.MaxInt64/int64(unit) || time.Duration(n)*unit > MaxDuration {
				return 0, fmt.Errorf("%q is too long: at most 100 years", clip(s))
			}
		}
		total += time.Duration(n) * unit
		if total > MaxDuration {
			return 0, fmt.Errorf("%q is too long: at most 100 years", clip(s))
		}
		rest = rest[i+1:]
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", clip(s))
	}
	return total, nil
}

// ParseTime reads --until: a date (2027-01-31, midnight UTC at its start)
// or an RFC 3339 time (2027-01-31T10:00:00Z, 2027-01-31T15:30:00+05:30).
func ParseTime(s string) (time.Time, error) {
	in := strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, in); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, in)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time: give a date (2027-01-31) or an RFC 3339 time (2027-01-31T10:00:00Z)", clip(s))
	}
	if t.Year() > 9999 || t.Year() < 1 {
		return time.Time{}, fmt.Errorf("%q is out of range", clip(s))
	}
	return t.UTC(), nil
}

// ParseExpiry reads --for and --until (either may be empty, not both
// given); an --until that is not after now is refused, since a mark that
// has expired already makes no sense.
func ParseExpiry(forText, untilText string, now time.Time) (Expiry, error) {
	switch {
	case forText != "" && untilText != "":
		return Expiry{}, fmt.Errorf("give --for or --until, not both")
	case forText != "":
		d, err := ParseDuration(forText)
		if err != nil {
			return Expiry{}, fmt.Errorf("--for: %w", err)
		}
		return Expiry{For: d}, nil
	case untilText != "":
		t, err := ParseTime(untilText)
		if err != nil {
			return Expiry{}, fmt.Errorf("--until: %w", err)
		}
		if !t.After(now) {
			return Expiry{}, fmt.Errorf("--until %s is in the past: a mark must expire after now (%s)",
				t.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
		return Expiry{Until: &t}, nil
	}
	return Expiry{}, nil
}
