package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Card is the user card (user show).
type Card struct {
	ID           int64             `json:"id"`
	Phone        string            `json:"phone"`
	Name         string            `json:"name"`
	Spam         bool              `json:"spam"`
	Traits       map[string]string `json:"traits"`
	SpamMarkedBy *string           `json:"spam_marked_by"`
	SpamMarkedAt *time.Time        `json:"spam_marked_at"`
	SpamReason   *string           `json:"spam_reason"`
	SpamUntil    *time.Time        `json:"spam_until"`
	// SpamExpired says the mark has expired on the database's clock and
	// waits for spam expire.
	SpamExpired   bool       `json:"-"`
	SpamBatchID   *int64     `json:"-"`
	Assignee      *string    `json:"assignee"`
	Label         *string    `json:"label"`
	LastMessageAt *time.Time `json:"last_message_at"`
	LastMessage   *string    `json:"-"`
	Timeline      []Event    `json:"timeline"`
}

// Event is one entry of a chat's timeline.
type Event struct {
	Event string  `json:"event"`
	Actor *string `json:"actor"`
	// DBRole is the database role (session_user) that wrote the event: with
	// Actor, who acted and whose credentials did it (README "Who may do
	// what").
	DBRole  *string   `json:"db_role"`
	At      time.Time `json:"at"`
	Reason  *string   `json:"reason"`
	BatchID *int64    `json:"batch_id"`
	Detail  *string   `json:"detail"`
}

// ShowUser reads the full card of the user a ref names. An acting agent
// (agent, when not nil) sees the card only of a user whose chat they can
// see (rule 2): any other is refused with nothing about it.
func ShowUser(ctx context.Context, q store.Querier, orgID int64, ref input.Ref, agent *rules.Agent) (Card, error) {
	id, err := FindUser(ctx, q, orgID, ref)
	if err != nil {
		return Card{}, err
	}
	if agent != nil {
		var ch rules.Chat
		var folder string
		err := q.QueryRowContext(ctx, `SELECT c.folder, coalesce(c.assignee_id, 0), coalesce(c.spam_marked_by, 0)
			FROM chats c WHERE c.org_id = $1 AND c.user_id = $2`, orgID, id).Scan(&folder, &ch.AssigneeID, &ch.MarkedBy)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Card{}, store.Translate(ctx, err)
		}
		ch.Spam = folder == string(rules.StoredSpam)
		if err != nil || !rules.CanSee(*agent, ch) {
			return Card{}, errs.Refusedf("User %s is outside your view: with assigned access you see chats assigned to you, unassigned chats and spam you marked.", ref)
		}
	}
	var c Card
	var traits []byte
	var batch sql.NullInt64
	err = q.QueryRowContext(ctx, `
		SELECT u.id, u.phone, u.name, u.spam, u.traits, m.email, u.spam_marked_at, u.spam_reason, u.spam_batch_id,
		       u.spam_until, coalesce(`+store.ExpiredWhere("u")+`, false), a.email, l.name, ch.last_message_at, ch.last_message
		FROM users u
		LEFT JOIN chats ch ON ch.org_id = u.org_id AND ch.user_id = u.id
		LEFT JOIN agents m ON m.org_id = u.org_id AND m.id = u.spam_marked_by
		LEFT JOIN agents a ON a.org_id = ch.org_id AND a.id = ch.assignee_id
		LEFT JOIN labels l ON l.org_id = ch.org_id AND l.id = ch.label_id
		WHERE u.org_id = $1 AND u.id = $2`, orgID, id).
		Scan(&c.ID, &c.Phone, &c.Name, &c.Spam, &traits, &c.SpamMarkedBy, &c.SpamMarkedAt, &c.SpamReason, &batch,
			&c.SpamUntil, &c.SpamExpired, &c.Assignee, &c.Label, &c.LastMessageAt, &c.LastMessage)
	if err != nil {
		return Card{}, store.Translate(ctx, err)
	}
	if batch.Valid {
		c.SpamBatchID = &batch.Int64
	}
	c.Traits = traitsText(traits)
	if _, ok := c.Traits[rules.SpamTrait]; !ok {
		c.Traits[rules.SpamTrait] = rules.TraitValue(false)
	}
	rows, err := q.QueryContext(ctx, `
		SELECT e.event, a.email, e.db_role, e.at, e.reason, e.batch_id, e.detail
		FROM chat_events e LEFT JOIN agents a ON a.org_id = e.org_id AND a.id = e.actor_id
		WHERE e.org_id = $1 AND e.user_id = $2 ORDER BY e.id`, orgID, id)
	if err != nil {
		return Card{}, store.Translate(ctx, err)
	}
	defer rows.Close()
	c.Timeline = []Event{}
	for rows.Next() {
		var e Event
		var b sql.NullInt64
		if err := rows.Scan(&e.Event, &e.Actor, &e.DBRole, &e.At, &e.Reason, &b, &e.Detail); err != nil {
			return Card{}, err
		}
		if b.Valid {
			e.BatchID = &b.Int64
		}
		c.Timeline = append(c.Timeline, e)
	}
	return c, store.Translate(ctx, rows.Err())
}

// traitsText reads the stored traits as text. inboxctl writes string values
// only, but a writer around it may store a number, a boolean, null, an
// array or an object: such a value is shown as its JSON text rather than
// failing the card, and traits that are not an object at all show as none.
func traitsText(raw []byte) map[string]string {
	var values map[string]json.RawMessage
	if json.Unmarshal(raw, &values) != nil || values == nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		var s string
		if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out
}
