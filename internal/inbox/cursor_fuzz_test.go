package inbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/inbox"
)

// FuzzDecodeCursor: any text either decodes to a cursor that encodes back
// to exactly that text (one spelling per position) or is a usage error
// (exit 2); nothing panics, and a decoded cursor is a position PostgreSQL
// can hold.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(inbox.Cursor{ActivityAt: time.Date(2026, 1, 1, 0, 12, 0, 0, time.UTC), UserID: 12}.Encode())
	f.Add("")
	f.Add("MS4xNzY3MjI2MzIwMDAwMDAwLjEy")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := inbox.DecodeCursor(s)
		if err != nil {
			if errs.ExitCode(err) != errs.Usage {
				t.Fatalf("%q: exit %d, want 2: %v", s, errs.ExitCode(err), err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: the error is not one line: %q", s, err)
			}
			return
		}
		if c.UserID <= 0 {
			t.Fatalf("%q: chat id %d", s, c.UserID)
		}
		if y := c.ActivityAt.Year(); y < 1 || y > 9999 {
			t.Fatalf("%q: year %d", s, y)
		}
		if got := c.Encode(); got != s {
			t.Fatalf("%q decodes to %+v, which encodes to %q", s, c, got)
		}
		again, err := inbox.DecodeCursor(c.Encode())
		if err != nil || again != c {
			t.Fatalf("%+v does not round-trip: %+v %v", c, again, err)
		}
	})
}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []inbox.Cursor{
		{ActivityAt: time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC), UserID: 1},
		{ActivityAt: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), UserID: 1<<63 - 1},
		{ActivityAt: time.Date(1960, 5, 1, 0, 0, 0, 1000, time.UTC), UserID: 7},
	} {
		got, err := inbox.DecodeCursor(c.Encode())
		if err != nil || !got.ActivityAt.Equal(c.ActivityAt) || got.UserID != c.UserID {
			t.Errorf("%+v: %+v %v", c, got, err)
		}
	}
}
