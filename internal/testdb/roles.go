package testdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/inboxctl/inboxctl/internal/store"
)

// LoginRole creates a PostgreSQL login role for the test (role names are
// global to the server, so the name is base made unique to this process and
// call) and returns its name and dbURL with the role as the user. At the
// end of the test its privileges in dbURL's database and the role are
// dropped.
func LoginRole(t testing.TB, dbURL, base string) (name, roleURL string) {
	t.Helper()
	ctx := context.Background()
	name = fmt.Sprintf("%s_%d_%d", base, os.Getpid(), counter.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE ROLE "+store.QuoteIdent(name)+" LOGIN"); err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := store.Open(ctx, dbURL)
		if err == nil {
			db.ExecContext(ctx, "DROP OWNED BY "+store.QuoteIdent(name))
			db.Close()
		}
		if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+store.QuoteIdent(name)); err != nil {
			t.Logf("drop role %s: %v", name, err)
		}
	})
	return name, AsRole(dbURL, name)
}

// AsRole returns the URL u with the user name role.
func AsRole(u, role string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" {
		return strings.TrimSpace(u) + " user=" + role
	}
	parsed.User = url.User(role)
	return parsed.String()
}

// WithoutRuleGuards turns off, in the test's database, the triggers that
// guard the spam rules for writers around inboxctl (migration 0009), for
// a test that stages a state they refuse: a spam flag flipped by psql, a
// pending entry of a spam user, a spam user's chat assigned. It is the
// state a write with triggers off (a restore, or a database from before
// 0009) leaves, which inboxctl must still handle.
func WithoutRuleGuards(t testing.TB, db *store.DB) {
	t.Helper()
	for _, s := range []string{
		`ALTER TABLE users DISABLE TRIGGER rule_guard_users_insert`,
		`ALTER TABLE users DISABLE TRIGGER rule_guard_users_update`,
		`ALTER TABLE chats DISABLE TRIGGER rule_guard_chats`,
		`ALTER TABLE messages DISABLE TRIGGER rule_guard_messages`,
		`ALTER TABLE campaign_recipients DISABLE TRIGGER rule_guard_recipients`,
		`ALTER TABLE notifications DISABLE TRIGGER rule_guard_notifications`,
	} {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
