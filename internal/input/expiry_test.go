package input_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/input"
)

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"30m", 30 * time.Minute, ""},
		{"1h", time.Hour, ""},
		{" 7d ", 7 * 24 * time.Hour, ""},
		{"2w", 14 * 24 * time.Hour, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"", 0, "no duration given"},
		{"0m", 0, "not a positive duration"},
		{"30", 0, "write a number and a unit"},
		{"h", 0, "write a number and a unit"},
		{"30s", 0, "the units are m (minutes), h (hours), d (days) and w (weeks)"},
		{"1.5h", 0, "the units are"},
		{"-1h", 0, "write a number and a unit"},
		{"5300w", 0, "too long"},
		{"99999999999999999999d", 0, "too long"},
	} {
		got, err := input.ParseDuration(c.in)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("ParseDuration(%q) error %v, want one saying %q", c.in, err, c.err)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		forText, until string
		want           input.Expiry
		err            string
	}{
		{"", "", input.Expiry{}, ""},
		{"1h", "", input.Expiry{For: time.Hour}, ""},
		{"", "2027-01-31", input.Expiry{Until: ptr(time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC))}, ""},
		{"", "2027-01-31T10:00:00Z", input.Expiry{Until: ptr(time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC))}, ""},
		{"", "2027-01-31T15:30:00+05:30", input.Expiry{Until: ptr(time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC))}, ""},
		{"1h", "2027-01-31", input.Expiry{}, "not both"},
		{"", "2026-12-04T16:00:00Z", input.Expiry{}, "in the past"},
		{"", "2026-12-04", input.Expiry{}, "in the past"},
		{"", "31/01/2027", input.Expiry{}, "not a time"},
		{"", "2027-02-30", input.Expiry{}, "not a time"},
		{"soon", "", input.Expiry{}, "--for:"},
	} {
		got, err := input.ParseExpiry(c.forText, c.until, now)
		if c.err == "" {
			if err != nil || got.For != c.want.For || (got.Until == nil) != (c.want.Until == nil) ||
				(got.Until != nil && !got.Until.Equal(*c.want.Until)) {
				t.Errorf("ParseExpiry(%q, %q) = %+v, %v; want %+v", c.forText, c.until, got, err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("ParseExpiry(%q, %q) error %v, want one saying %q", c.forText, c.until, err, c.err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzParseExpiry: never panics; an accepted --for is positive, at most
// input.MaxDuration, and prints back (in minutes) to itself; an accepted
// --until is after now and in UTC; a refusal is one line.
//
//	go test -run '^$' -fuzz FuzzParseExpiry -fuzztime 3m ./internal/input
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"30m", "1h", "7d", "2w", "1d12h", "0m", "", "h", "30", "1.5h", "-1h", "9999999999999999999w",
		"2027-01-31", "2027-01-31T10:00:00Z", "2027-01-31T10:00:00.5+05:30", "2026-12-04", "2027-02-30", "\x00", "\xff", "١h"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := input.ParseExpiry(s, "", now); err != nil {
			oneSentence(t, "--for "+s, err)
		} else if e.Set() {
			if e.For <= 0 || e.For > input.MaxDuration || e.Until != nil {
				t.Fatalf("--for %q gave %+v", s, e)
			}
			back, err := input.ParseDuration(strings.TrimSuffix(e.For.Truncate(time.Minute).String(), "0s"))
			if err == nil && back != e.For {
				t.Fatalf("--for %q = %v, printed back it is %v", s, e.For, back)
			}
		}
		if e, err := input.ParseExpiry("", s, now); err != nil {
			oneSentence(t, "--until "+s, err)
		} else if e.Set() {
			if e.Until == nil || !e.Until.After(now) || e.Until.Location() != time.UTC || e.For != 0 {
				t.Fatalf("--until %q gave %+v", s, e)
			}
		}
		if _, err := input.ParseExpiry(s, s, now); s != "" && err == nil {
			t.Fatalf("--for and --until %q both accepted", s)
		}
	})
}
