// Package completion answers shell completion from the database: agent
// emails, org slugs, campaign and label names, user phones by prefix and
// recent spam batches. Each answer is one indexed query of at most Limit
// rows; callers bound the time and stay silent on errors.
package completion

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/spam"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Limit is the most candidates one completion offers.
const Limit = 50

func strings1(ctx context.Context, q store.Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// likePrefix escapes a typed prefix for LIKE 'prefix%'.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// Orgs are the org slugs starting with prefix.
func Orgs(ctx context.Context, q store.Querier, prefix string) ([]string, error) {
	return strings1(ctx, q, `SELECT slug FROM orgs WHERE slug LIKE $1 ORDER BY slug LIMIT $2`, likePrefix(prefix), Limit)
}

// Agents are the org's agent emails starting with prefix.
func Agents(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
	return strings1(ctx, q, `SELECT email FROM agents WHERE org_id = $1 AND email LIKE $2 ORDER BY email LIMIT $3`, orgID, likePrefix(prefix), Limit)
}

// Campaigns are the org's campaign names starting with prefix.
func Campaigns(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
	return strings1(ctx, q, `SELECT name FROM campaigns WHERE org_id = $1 AND name LIKE $2 ORDER BY name LIMIT $3`, orgID, likePrefix(prefix), Limit)
}

// Labels are the org's label names starting with prefix.
func Labels(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
	return strings1(ctx, q, `SELECT name FROM labels WHERE org_id = $1 AND name LIKE $2 ORDER BY name LIMIT $3`, orgID, likePrefix(prefix), Limit)
}

// Phones are the org's user phones starting with the typed prefix, served
// by the unique (org_id, phone) index (phone is COLLATE "C", so LIKE
// 'prefix%' is an index range). Digits typed without '+' match too.
func Phones(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, prefix)
	if strings.TrimLeft(prefix, "+0123456789 -.()") != "" {
		return nil, nil // a letter: not a phone being typed
	}
	return strings1(ctx, q, `SELECT phone FROM users WHERE org_id = $1 AND phone LIKE $2 ORDER BY phone LIMIT $3`, orgID, "+"+digits+"%", Limit)
}

// Batches are the org's most recent mark batches (what --batch takes)
// whose id starts with prefix, as 'spam batches' lists them, each with a
// description ("id\tmark by x@y, 120 marked, 80 still spam").
func Batches(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
	var out []string
	err := spam.Batches(ctx, q, orgID, spam.BatchFilter{Kind: "mark", IDPrefix: prefix, Limit: Limit}, func(b spam.Batch) error {
		by := b.DBRole
		if b.Actor != nil {
			by = *b.Actor
		}
		d := fmt.Sprintf("%d\t%s by %s, %d marked, %d still spam", b.ID, b.Kind, by, b.Users, *b.StillSpam)
		if b.Until != nil {
			d += ", until " + b.Until.UTC().Format(time.RFC3339)
		}
		out = append(out, d)
		return nil
	})
	return out, err
}
