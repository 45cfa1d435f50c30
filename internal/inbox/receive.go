package inbox

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Received says what an inbound message did.
type Received struct {
	UserID    int64 `json:"user_id"`
	MessageID int64 `json:"message_id"`
	NewUser   bool  `json:"new_user"`
	// Spam is whether the user is spam: the message was stored and
	// notified nobody (rule 6).
	Spam     bool `json:"spam"`
	Notified int  `json:"notified"`
}

// Receive records an inbound message from phone, as the webhook would:
// the user and chat are created when the phone is new; the message is
// stored always, also for a spam user (rule 1); the chat's activity moves;
// each agent who can see the chat gets a notification unless the user is
// spam (rule 6, rules.NotifyAgent).
func Receive(ctx context.Context, db *store.DB, orgID int64, phone, text string) (Received, error) {
	ref, err := input.ParsePhone(phone)
	if err != nil {
		return Received{}, errs.Usagef("Invalid --from: %v.", err)
	}
	if err := messageText(text); err != nil {
		return Received{}, err
	}
	var r Received
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		r = Received{}
		// A known phone is the common case: look it up before inserting, so
		// messages from known users do not spend user ids.
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE org_id = $1 AND phone = $2`, orgID, ref.Phone).Scan(&r.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `
				WITH u AS (
					INSERT INTO users (org_id, phone) VALUES ($1, $2) ON CONFLICT (org_id, phone) DO NOTHING RETURNING id
				)
				INSERT INTO chats (org_id, user_id) SELECT $1, id FROM u RETURNING user_id`, orgID, ref.Phone).Scan(&r.UserID)
			switch {
			case err == nil:
				r.NewUser = true
			case errors.Is(err, sql.ErrNoRows):
				// Created by a concurrent message from the same new phone.
				err = nil
			}
		}
		if err != nil {
			return err
		}
		// Lock the chat: a mark racing with this message either commits
		// first (and the message notifies nobody) or waits for it.
		var c rules.Chat
		var folder string
		err = tx.QueryRowContext(ctx, `
			SELECT c.user_id, c.folder, coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0)
			FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
			WHERE u.org_id = $1 AND u.phone = $2 FOR UPDATE OF c`, orgID, ref.Phone).Scan(&r.UserID, &folder, &c.AssigneeID, &c.MarkedBy)
		if err != nil {
			return err
		}
		c.Spam = folder == string(rules.StoredSpam)
		r.Spam = c.Spam
		if r.MessageID, err = storeMessage(ctx, tx, orgID, r.UserID, "inbound", nil, text); err != nil {
			return err
		}
		notify, err := agentsToNotify(ctx, tx, orgID, c)
		if err != nil || len(notify) == 0 {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO notifications (org_id, agent_id, user_id, message_id, text, at)
			SELECT $1, a.id, $2, m.id, m.text, m.at
			FROM unnest($3::bigint[]) a(id), messages m
			WHERE m.org_id = $1 AND m.id = $4
			ORDER BY a.id`, orgID, r.UserID, store.Int64Array(notify), r.MessageID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		r.Notified = int(n)
		return err
	})
	return r, err
}

// agentsToNotify is rule 6 over the org's agents, evaluated by the policy
// itself: the agents for whom rules.NotifyAgent holds for the chat.
func agentsToNotify(ctx context.Context, tx *sql.Tx, orgID int64, c rules.Chat) ([]int64, error) {
	if !rules.Notifies(c.Spam) {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, access FROM agents WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var a rules.Agent
		if err := rows.Scan(&a.ID, &a.Access); err != nil {
			return nil, err
		}
		if rules.NotifyAgent(a, c) {
			ids = append(ids, a.ID)
		}
	}
	return ids, rows.Err()
}

// Notification is one desktop notification.
type Notification struct {
	ID     int64     `json:"id"`
	Agent  string    `json:"agent"`
	UserID int64     `json:"user_id"`
	Phone  string    `json:"phone"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// Notifications streams the acting agent's notifications, newest first;
// limit 0 streams them all.
func Notifications(ctx context.Context, q store.Querier, actor directory.Actor, limit int, fn func(Notification) error) error {
	if limit < 0 {
		return errs.Usagef("--limit must be 0 (all) or more, not %d.", limit)
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	// Only chats still in the agent's view: a chat reassigned away takes
	// its old notifications with it (rule 2).
	args := store.NewArgs(actor.Org.ID, actor.Agent.ID, lim)
	visible := store.VisibilityWhere(rules.VisibilityOf(actor.Agent.Rule()), "c", args)
	rows, err := q.QueryContext(ctx, `
		SELECT n.id, a.email, n.user_id, u.phone, n.text, n.at
		FROM notifications n
		JOIN agents a ON a.org_id = n.org_id AND a.id = n.agent_id
		JOIN users u ON u.org_id = n.org_id AND u.id = n.user_id
		JOIN chats c ON c.org_id = n.org_id AND c.user_id = n.user_id
		WHERE n.org_id = $1 AND n.agent_id = $2 AND `+visible+`
		ORDER BY n.id DESC LIMIT $3`, args.Values()...)
	if err != nil {
		return store.Translate(ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Agent, &n.UserID, &n.Phone, &n.Text, &n.At); err != nil {
			return err
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	return store.Translate(ctx, rows.Err())
}

// Label is one of the org's labels and how many chats carry it.
type Label struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Chats     int64     `json:"chats"`
	CreatedAt time.Time `json:"created_at"`
}

// Labels lists the org's labels by name.
func Labels(ctx context.Context, q store.Querier, orgID int64) ([]Label, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT l.id, l.name, (SELECT count(*) FROM chats c WHERE c.org_id = l.org_id AND c.label_id = l.id), l.created_at
		FROM labels l WHERE l.org_id = $1 ORDER BY l.name`, orgID)
	if err != nil {
		return nil, store.Translate(ctx, err)
	}
	defer rows.Close()
	var out []Label
	for rows.Next() {
		var l Label
		if err := rows.Scan(&l.ID, &l.Name, &l.Chats, &l.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, store.Translate(ctx, rows.Err())
}
