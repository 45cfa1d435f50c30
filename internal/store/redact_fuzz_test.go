package store_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/redact"
	"github.com/inboxctl/inboxctl/internal/store"
)

// refused is an address nothing listens on: a connection there fails at
// once, so the connection path's error is reached without a wait.
const refused = "127.0.0.1:1"

// dsnShapes builds a connection string holding pw in each shape a user
// might write, well-formed or not, to a server at refused.
var dsnShapes = []func(user, pw, extra string) string{
	func(u, p, x string) string { return "postgres://" + u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string { return "POSTGRES://" + u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string { return " postgres://" + u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string { return "postgres:/" + u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string { return "postgresql://" + u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string { return "postgres:" + u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string { return u + ":" + p + "@" + refused + "/db" + x },
	func(u, p, x string) string {
		return "postgres://" + url.UserPassword(u, p).String() + "@" + refused + "/db" + x
	},
	func(u, p, x string) string {
		return "postgres://" + url.PathEscape(u) + "@" + refused + "/db?password=" + url.QueryEscape(p) + x
	},
	func(u, p, x string) string {
		return "postgres://" + url.PathEscape(u) + "@" + refused + "/db?sslmode=disable&pass%77ord=" + url.QueryEscape(p) + x
	},
	func(u, p, x string) string {
		return "host=127.0.0.1 port=1 user=" + kvEscape(u) + " password=" + kvEscape(p) + " " + x
	},
	func(u, p, x string) string {
		return "host=127.0.0.1 port=1 password = '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(p) + "' user=" + kvEscape(u) + x
	},
}

// kvEscape writes a value for libpq's key=value form without quotes.
func kvEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\\' || r == '\'' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzRedactDSN holds, for every shape of connection string: the password
// (as written, and as the driver reads it) appears neither in what config
// show prints (redact.DSN) nor in the error store.Open returns for it,
// whether the string cannot be parsed or the server cannot be reached. A
// password that the rest of the string spells anyway proves nothing and is
// passed over.
//
//	go test ./internal/store -run '^$' -fuzz '^FuzzRedactDSN$' -fuzztime 3m
func FuzzRedactDSN(f *testing.F) {
	for i := range dsnShapes {
		f.Add(uint8(i), "bob", "S3cret", "")
		f.Add(uint8(i), "bob", "p@ss/w:rd?#%", "?sslmode=disable")
		f.Add(uint8(i), "bob", `pa"ss\x y'z`, "&application_name=a@b")
		f.Add(uint8(i), "bob", "S%33cret%zz", " sslmode=bogus")
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, shape uint8, user, pw, extra string) {
		build := dsnShapes[int(shape)%len(dsnShapes)]
		dsn := build(user, pw, extra)
		// What a masked string would show anyway: a password found in it
		// says nothing about the masking.
		rest := build(user, redact.Mask, extra)
		hidden := func(p string) bool {
			return len(p) >= 3 && !strings.Contains(rest, p) && !strings.Contains(redact.Mask, p)
		}
		var passwords []string
		if hidden(pw) {
			passwords = append(passwords, pw)
		}
		cfg, perr := pq.NewConfig(dsn)
		if perr == nil && hidden(cfg.Password) && cfg.Password != pw {
			passwords = append(passwords, cfg.Password)
		}
		if len(passwords) == 0 {
			return
		}
		shown := redact.DSN(dsn)
		for _, p := range passwords {
			if strings.Contains(shown, p) {
				t.Fatalf("DSN(%q) = %q shows the password %q", dsn, shown, p)
			}
		}
		if perr == nil && (cfg.Host != "127.0.0.1" || cfg.Port != 1) {
			return // another host: dialling it is no business of a fuzz run
		}
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		db, err := store.Open(octx, dsn)
		if err == nil {
			db.Close()
			t.Fatalf("Open(%q) connected to %s", dsn, refused)
		}
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Fatalf("Open(%q): untyped error %v", dsn, err)
		}
		for _, p := range passwords {
			if strings.Contains(err.Error(), p) {
				t.Fatalf("Open(%q) error shows the password %q: %v", dsn, p, err)
			}
		}
	})
}
