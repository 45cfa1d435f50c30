package inbox

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
)

// cursorVersion leads every cursor, so a later format can tell old ones
// apart and refuse them with a sentence instead of misreading them.
const cursorVersion = "1"

// Cursor is a position in a folder: the last chat a page showed. The next
// page holds the chats strictly after it in (activity_at DESC, user_id DESC)
// order, so chats that gain a message while someone pages move above the
// cursor instead of being shown twice.
type Cursor struct {
	ActivityAt time.Time
	UserID     int64
}

// Encode is the opaque text form given as --after: base64url of
// "1.<activity unix microseconds>.<user id>".
func (c Cursor) Encode() string {
	raw := cursorVersion + "." + strconv.FormatInt(c.ActivityAt.UnixMicro(), 10) + "." + strconv.FormatInt(c.UserID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor reads a cursor printed by a previous page; anything else is
// a usage error (exit 2).
func DecodeCursor(s string) (Cursor, error) {
	c, err := decodeCursor(s)
	if err != nil {
		return Cursor{}, errs.Usagef("The --after cursor is not valid (%v): pass the next_cursor a previous page printed.", err)
	}
	return c, nil
}

func decodeCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, fmt.Errorf("empty")
	}
	if len(s) > 64 {
		return Cursor{}, fmt.Errorf("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("not base64url")
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 {
		return Cursor{}, fmt.Errorf("malformed")
	}
	if parts[0] != cursorVersion {
		return Cursor{}, fmt.Errorf("unknown version")
	}
	micros, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("bad time")
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id <= 0 {
		return Cursor{}, fmt.Errorf("bad chat id")
	}
	// PostgreSQL's timestamptz spans 4713 BC to 294276 AD; keep well inside.
	if micros < minCursorMicros || micros > maxCursorMicros {
		return Cursor{}, fmt.Errorf("time out of range")
	}
	c := Cursor{ActivityAt: time.UnixMicro(micros).UTC(), UserID: id}
	// One cursor, one spelling: leading zeros, signs and the like are refused.
	if c.Encode() != s {
		return Cursor{}, fmt.Errorf("not in canonical form")
	}
	return c, nil
}

var (
	minCursorMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxCursorMicros = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()
)
