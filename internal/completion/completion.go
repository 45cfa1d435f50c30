// Package completion answers shell completion from the database: agent
// emails, org slugs, campaign and label names, user phones by prefix and
// recent spam batches. Each answer is one indexed query of at most Limit
// rows; callers bound the time and stay silent on errors. A candidate is
// safetext.Visible: a name written around inboxctl with ESC, OSC 52 or a
// line break in it is offered escaped, never raw to the shell.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package completion

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/safetext"
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
		out = append(out, safetext.Visible(s))
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
	return Users(ctx, q, orgID, rules.Visibility{All: true}, AnyUser, prefix)
}

// Spam selects users by their spam flag: what a command accepts.
type Spam int

const (
	AnyUser     Spam = iota // user show
	NotSpamUser             // spam mark, chat and message commands (refused for spam users)
	SpamUser                // spam unmark
)

// Users are the phones starting with the typed prefix of the users whose
// chat the agent can see (rule 2; every user with all access), kept by
// their spam flag as the command needs.
func Users(ctx context.Context, q store.Querier, orgID int64, vis rules.Visibility, spam Spam, prefix string) ([]string, error) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, prefix)
	if strings.TrimLeft(prefix, "+0123456789 -.()") != "" {
		return nil, nil // a letter: not a phone being typed
	}
	a := store.NewArgs(orgID, "+"+digits+"%", Limit)
	where := ""
	switch spam {
	case NotSpamUser:
		where += " AND NOT u.spam"
	case SpamUser:
		where += " AND u.spam"
	}
	if !vis.All {
		where += " AND " + store.VisibilityWhere(vis, "c", a)
	}
	return strings1(ctx, q, `SELECT u.phone FROM users u
		LEFT JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
		WHERE u.org_id = $1 AND u.phone LIKE $2`+where+` ORDER BY u.phone LIMIT $3`, a.Values()...)
}

// Batches are the mark batches (what --batch takes) whose id starts with
// prefix, newest first, as 'spam batches' describes them ("id\tmark by
// x@y, 120 marked, 80 still spam"). An agent who sees only some chats is
// offered only the batches with a user still spam in their view (their
// spam folder, rule 2), counted there: nothing about the other chats.
func Batches(ctx context.Context, q store.Querier, orgID int64, vis rules.Visibility, prefix string) ([]string, error) {
	if !vis.All {
		return visibleBatches(ctx, q, orgID, vis, prefix)
	}
	var out []string
	err := spam.Batches(ctx, q, orgID, spam.BatchFilter{Kind: string(rules.BatchMark), IDPrefix: prefix, Limit: Limit}, func(b spam.Batch) error {
		by := b.DBRole
		if b.Actor != nil {
			by = *b.Actor
		}
		d := fmt.Sprintf("%d\t%s by %s, %d marked, %d still spam", b.ID, b.Kind, safetext.Visible(by), b.Users, *b.StillSpam)
		if b.Until != nil {
			d += ", until " + b.Until.UTC().Format(time.RFC3339)
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

func visibleBatches(ctx context.Context, q store.Querier, orgID int64, vis rules.Visibility, prefix string) ([]string, error) {
	if strings.Trim(prefix, "0123456789") != "" {
		return nil, nil // not an id being typed
	}
	a := store.NewArgs(orgID, prefix+"%", Limit)
	rows, err := q.QueryContext(ctx, store.Consts(`
		SELECT b.id, coalesce(ag.email, b.db_role), count(*)
		FROM spam_batches b
		JOIN users u ON u.org_id = b.org_id AND u.spam AND u.spam_batch_id = b.id
		LEFT JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
		LEFT JOIN agents ag ON ag.org_id = b.org_id AND ag.id = b.actor_id
		WHERE b.org_id = $1 AND b.action = {batch_mark} AND b.id::text LIKE $2 AND `)+store.VisibilityWhere(vis, "c", a)+`
		GROUP BY b.id, ag.email, b.db_role
		ORDER BY b.id DESC LIMIT $3`, a.Values()...)
	if err != nil {
		return nil, store.Translate(ctx, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, n int64
		var by string
		if err := rows.Scan(&id, &by, &n); err != nil {
			return nil, store.Translate(ctx, err)
		}
		out = append(out, fmt.Sprintf("%d\tmark by %s, %d still spam in your view", id, safetext.Visible(by), n))
	}
	return out, store.Translate(ctx, rows.Err())
}
