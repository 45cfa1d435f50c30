// Package seed writes deterministic demo data: org demo, three agents,
// users with chats, labels and two campaigns. It is set-based, so a million
// users take seconds (bench uses it too).
package seed

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Demo agents.
const (
	Owner = "owner@demo.test"
	Asha  = "asha@demo.test"
	Ravi  = "ravi@demo.test"
	Org   = "demo"
)

// DefaultUsers is the number of users of `db seed --demo`.
const DefaultUsers = 200

// Phone is the phone of the i-th demo user (1-based).
func Phone(i int) string { return fmt.Sprintf("+9198%08d", i) }

// Result says what was seeded.
type Result struct {
	Org    string `json:"org"`
	Agents int    `json:"agents"`
	Users  int    `json:"users"`
}

// Demo seeds the demo org with n users. It refuses when org demo exists.
// Every time is fixed, so output over seeded data is reproducible.
//
// User i (1-based): phone Phone(i); traits city (Pune, Mumbai, Delhi by
// i mod 3) and tier (gold when i mod 5 = 0, else silver); chat assigned to
// asha (i mod 4 = 0), ravi (1), owner (2) or nobody (3); label vip for gold
// users, else billing when i mod 7 = 0; one inbound message at
// 2026-01-01 00:00 UTC plus i minutes.
func Demo(ctx context.Context, db *store.DB, n int) (Result, error) {
	if n < 0 {
		return Result{}, errs.Usagef("--users must be zero or more.")
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var orgID int64
		err := tx.QueryRowContext(ctx, `INSERT INTO orgs (slug, name) VALUES ($1, 'Demo Co') ON CONFLICT (slug) DO NOTHING RETURNING id`, Org).Scan(&orgID)
		if err == sql.ErrNoRows {
			return errs.Usagef("The demo org already exists; seed a fresh database.")
		}
		if err != nil {
			return err
		}
		stmts := []string{
			`INSERT INTO agents (org_id, email, access, role) VALUES
				($1, 'owner@demo.test', 'all', 'owner'),
				($1, 'asha@demo.test', 'all', 'admin'),
				($1, 'ravi@demo.test', 'assigned', 'teammate')`,
			`INSERT INTO labels (org_id, name, created_at) VALUES ($1, 'vip', '2026-01-01Z'), ($1, 'billing', '2026-01-01Z')`,
			`INSERT INTO users (org_id, phone, name, traits, created_at)
			 SELECT $1, format('+9198%s', lpad(i::text, 8, '0')), 'Customer ' || i,
			        jsonb_build_object('city', (ARRAY['Delhi','Pune','Mumbai'])[i % 3 + 1],
			                           'tier', CASE WHEN i % 5 = 0 THEN 'gold' ELSE 'silver' END),
			        timestamptz '2026-01-01Z' + i * interval '1 minute'
			 FROM generate_series(1, $2::int) i
			 ORDER BY i`,
			`INSERT INTO chats (org_id, user_id, assignee_id, label_id, activity_at, last_message_at, last_message, created_at)
			 SELECT u.org_id, u.id,
			        CASE s.i % 4 WHEN 0 THEN (SELECT id FROM agents WHERE org_id = $1 AND email = 'asha@demo.test')
			                     WHEN 1 THEN (SELECT id FROM agents WHERE org_id = $1 AND email = 'ravi@demo.test')
			                     WHEN 2 THEN (SELECT id FROM agents WHERE org_id = $1 AND email = 'owner@demo.test') END,
			        CASE WHEN s.i % 5 = 0 THEN (SELECT id FROM labels WHERE org_id = $1 AND name = 'vip')
			             WHEN s.i % 7 = 0 THEN (SELECT id FROM labels WHERE org_id = $1 AND name = 'billing') END,
			        u.created_at, u.created_at, 'Hello from customer ' || s.i, u.created_at
			 FROM users u CROSS JOIN LATERAL (SELECT substr(u.phone, 6)::int AS i) s
			 WHERE u.org_id = $1`,
			`INSERT INTO messages (org_id, user_id, direction, text, at)
			 SELECT org_id, user_id, 'inbound', last_message, last_message_at FROM chats WHERE org_id = $1`,
			store.Consts(`INSERT INTO campaigns (org_id, name, kind, segment, created_at) VALUES
				($1, 'Diwali Sale', {kind_one_time}, '{"city": "Pune"}', '2026-01-01Z'),
				($1, 'Welcome Series', {kind_ongoing}, '{}', '2026-01-01Z')`),
		}
		for i, s := range stmts {
			args := []any{orgID}
			if i == 2 {
				args = append(args, n)
			}
			if _, err := tx.ExecContext(ctx, s, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	_, _ = db.ExecContext(ctx, `ANALYZE`)
	return Result{Org: Org, Agents: 3, Users: n}, nil
}
