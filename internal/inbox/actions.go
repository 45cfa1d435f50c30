package inbox

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Change says what an assign or label action did to a chat.
type Change struct {
	UserID int64
	// Changed is false when the chat already was as asked (nothing
	// recorded).
	Changed bool
}

// lockedChat is a chat row locked FOR UPDATE in the action's transaction.
type lockedChat struct {
	userID   int64
	rule     rules.Chat
	markedBy string // email of who marked the user as spam
	assignee string // email of the assignee
	labelID  sql.NullInt64
	label    string
}

// lockChat resolves ref and locks its chat row, then applies rules 3 and 8
// (rules.CheckAction) to what it read. A mark or unmark changes the chat
// row in its own transaction, so with the row locked, the check and the
// write that follows are one atomic step: an action racing with a mark
// either commits before the mark takes the row, or waits and sees the
// spam folder and is refused.
func lockChat(ctx context.Context, tx *sql.Tx, actor directory.Actor, ref input.Ref, act rules.Action) (lockedChat, error) {
	where := "u.phone = $2"
	var key any = ref.Phone
	if ref.Phone == "" {
		where, key = "u.id = $2", ref.ID
	}
	var c lockedChat
	var folder string
	var markedBy, assignee, label sql.NullString
	// The chat is locked in a subquery and joined afterwards: when the lock
	// was waited for (a mark committing), the joins then see the row as the
	// mark left it, so the refusal can name who marked the user.
	err := tx.QueryRowContext(ctx, `
		SELECT c.user_id, c.folder, coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0), m.email, a.email, c.label_id, l.name
		FROM (SELECT c.* FROM users u
		      JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
		      WHERE u.org_id = $1 AND `+where+`
		      FOR UPDATE OF c) c
		LEFT JOIN agents m ON m.org_id = c.org_id AND m.id = c.spam_marked_by
		LEFT JOIN agents a ON a.org_id = c.org_id AND a.id = c.assignee_id
		LEFT JOIN labels l ON l.org_id = c.org_id AND l.id = c.label_id`, actor.Org.ID, key).
		Scan(&c.userID, &folder, &c.rule.AssigneeID, &c.rule.MarkedBy, &markedBy, &assignee, &c.labelID, &label)
	if errors.Is(err, sql.ErrNoRows) {
		return c, directory.NoUser(ctx, tx, ref, rules.OutsideView(act))
	}
	if err != nil {
		return c, err
	}
	c.rule.Spam = folder == string(rules.StoredSpam)
	c.markedBy, c.assignee, c.label = markedBy.String, assignee.String, label.String
	if err := rules.CheckAction(actor.Agent.Rule(), act, c.rule, c.markedBy); err != nil {
		// A typed error passes the transaction's error translation intact.
		return c, errs.Refusedf("%s", err.Error())
	}
	return c, nil
}

// recordEvent adds an assign or label event to the chat's timeline.
func recordEvent(ctx context.Context, tx *sql.Tx, actor directory.Actor, userID int64, event rules.Event, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO chat_events (org_id, user_id, event, actor_id, detail) VALUES ($1, $2, $3, $4, $5)`,
		actor.Org.ID, userID, string(event), actor.Agent.ID, detail)
	return err
}

// edit is an assign or label change. plan says, for the locked chat that
// passed the rules, the column's new value (nil for none) and the event's
// detail, or change false when the chat already is as asked.
type edit struct {
	act    rules.Action
	event  rules.Event
	column string // a constant of this file, never input
	plan   func(tx *sql.Tx, c lockedChat) (value any, detail string, change bool, err error)
}

// apply runs an edit in one transaction: lock and check, then write the
// chat and its timeline event.
func (e edit) apply(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (Change, error) {
	var ch Change
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := lockChat(ctx, tx, actor, ref, e.act)
		ch = Change{UserID: c.userID}
		if err != nil {
			return err
		}
		value, detail, change, err := e.plan(tx, c)
		if err != nil || !change {
			return err
		}
		if err := e.write(ctx, tx, actor.Org.ID, c.userID, value); err != nil {
			return err
		}
		ch.Changed = true
		return recordEvent(ctx, tx, actor, c.userID, e.event, detail)
	})
	return ch, err
}

// write sets the edit's column of the chat. An agent-level role under
// row-level security assigns through store.SetAssigneeSQL: an assign away
// moves the chat out of its view, which a plain UPDATE may not do.
func (e edit) write(ctx context.Context, tx *sql.Tx, org, userID int64, value any) error {
	if e.column == "assignee_id" {
		rls, err := store.RowSecurity(ctx, tx)
		if err != nil {
			return err
		}
		if rls {
			var n int64
			if err := tx.QueryRowContext(ctx, store.SetAssigneeSQL, org, userID, value).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				return errs.Refusedf("The chat of user %d left your view meanwhile; nothing was changed.", userID)
			}
			return nil
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE chats SET `+e.column+` = $3 WHERE org_id = $1 AND user_id = $2`, org, userID, value)
	return err
}

// was appends the previous value to an event's detail.
func was(detail, old string) string {
	if old == "" {
		return detail
	}
	return detail + " (was " + old + ")"
}

// Assign assigns the chat to the agent with email toEmail (rules 3, 8).
func Assign(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref, toEmail string) (Change, error) {
	to, err := directory.ResolveAgent(ctx, db, actor.Org.ID, toEmail)
	if err != nil {
		return Change{}, err
	}
	return edit{act: rules.ActionAssign, event: rules.EventAssigned, column: "assignee_id",
		plan: func(_ *sql.Tx, c lockedChat) (any, string, bool, error) {
			return to.ID, was(to.Email, c.assignee), c.rule.AssigneeID != to.ID, nil
		}}.apply(ctx, db, actor, ref)
}

// Unassign removes the chat's assignee (rules 3, 8).
func Unassign(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (Change, error) {
	return edit{act: rules.ActionUnassign, event: rules.EventUnassigned, column: "assignee_id",
		plan: func(_ *sql.Tx, c lockedChat) (any, string, bool, error) {
			return nil, c.assignee, c.rule.AssigneeID != 0, nil
		}}.apply(ctx, db, actor, ref)
}

// SetLabel gives the chat the label, creating it for the org on first use
// (rules 3, 8). A chat has at most one label: this replaces any other.
func SetLabel(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref, label string) (Change, error) {
	label = strings.TrimSpace(label)
	if err := input.Label(label); err != nil {
		return Change{}, errs.Usagef("%v.", upperFirst(err.Error()))
	}
	return edit{act: rules.ActionSetLabel, event: rules.EventLabelled, column: "label_id",
		plan: func(tx *sql.Tx, c lockedChat) (any, string, bool, error) {
			if c.labelID.Valid && c.label == label {
				return nil, "", false, nil
			}
			// Created only now, after the check: a refused action creates nothing.
			id, err := ensureLabel(ctx, tx, actor.Org.ID, label)
			return id, was(label, c.label), true, err
		}}.apply(ctx, db, actor, ref)
}

// ClearLabel removes the chat's label (rules 3, 8).
func ClearLabel(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref) (Change, error) {
	return edit{act: rules.ActionClearLabel, event: rules.EventUnlabelled, column: "label_id",
		plan: func(_ *sql.Tx, c lockedChat) (any, string, bool, error) {
			return nil, c.label, c.labelID.Valid, nil
		}}.apply(ctx, db, actor, ref)
}

// ensureLabel returns the id of the org's label name, creating it. A
// concurrent first use of the same name waits on the unique key and then
// finds the other transaction's row.
func ensureLabel(ctx context.Context, tx *sql.Tx, orgID int64, name string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO labels (org_id, name) VALUES ($1, $2)
		ON CONFLICT (org_id, name) DO NOTHING RETURNING id`, orgID, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT id FROM labels WHERE org_id = $1 AND name = $2`, orgID, name).Scan(&id)
	}
	return id, err
}

// Send stores an outbound message from the acting agent and moves the
// chat's activity (rules 3, 8).
func Send(ctx context.Context, db *store.DB, actor directory.Actor, ref input.Ref, text string) (int64, error) {
	if err := messageText(text); err != nil {
		return 0, err
	}
	var id int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		c, err := lockChat(ctx, tx, actor, ref, rules.ActionSend)
		if err != nil {
			return err
		}
		id, err = storeMessage(ctx, tx, actor.Org.ID, c.userID, "outbound", actor.Agent.ID, text)
		return err
	})
	return id, err
}

// storeMessage inserts a message into a chat whose row the transaction has
// locked and makes it the chat's last message. Its time is taken after the
// lock, so a chat's message times only grow and activity never moves back.
func storeMessage(ctx context.Context, tx *sql.Tx, orgID, userID int64, direction string, agentID any, text string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `
		WITH m AS (
			INSERT INTO messages (org_id, user_id, direction, agent_id, text, at)
			VALUES ($1, $2, $3, $4, $5, clock_timestamp()) RETURNING id, at
		), c AS (
			UPDATE chats SET activity_at = greatest(chats.activity_at, m.at), last_message_at = m.at, last_message = $5
			FROM m WHERE chats.org_id = $1 AND chats.user_id = $2
		)
		SELECT id FROM m`, orgID, userID, direction, agentID, text).Scan(&id)
	return id, err
}

func messageText(text string) error {
	if strings.TrimSpace(text) == "" {
		return errs.Usagef("Give the message with --text; it may not be empty.")
	}
	if err := input.Text("--text", text, input.MaxTextLen); err != nil {
		return errs.Usagef("%v.", upperFirst(err.Error()))
	}
	return nil
}
