// Package campaign is the campaign use cases: create and list, the audience
// a campaign would message now (never a spam user, rule 5), a one-time
// campaign's recipient list (schedule, recipients, run) and the CI check
// that fails when a spam user would be messaged.
//
// Schedule and run take the org's campaign-lists lock exclusively; spam
// mark and unmark take it shared. So a mark never interleaves with a
// schedule or a run: a list materialised while a mark commits can never
// hold a pending entry for the user just marked.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Kind is how a campaign picks whom to message: rules.OneTime or
// rules.Ongoing.
type Kind = rules.CampaignKind

// ParseKind validates --kind.
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case rules.OneTime, rules.Ongoing:
		return Kind(s), nil
	}
	return "", errs.Usagef("--kind must be one-time or ongoing, not %q.", s)
}

// MaxNameLen bounds a campaign name.
const MaxNameLen = input.MaxNameLen

// Campaign is a campaign and its recipient counts.
type Campaign struct {
	ID          int64         `json:"id"`
	Name        string        `json:"name"`
	Kind        Kind          `json:"kind"`
	Segment     rules.Segment `json:"segment"`
	CreatedAt   time.Time     `json:"created_at"`
	ScheduledAt *time.Time    `json:"scheduled_at"`
	LastRunAt   *time.Time    `json:"last_run_at"`
	Runs        int           `json:"runs"`
	Pending     int64         `json:"pending"`
	Sent        int64         `json:"sent"`
	Excluded    int64         `json:"excluded"`
}

// HasRun reports whether the campaign has run at least once.
func (c Campaign) HasRun() bool { return c.LastRunAt != nil }

// Create adds a campaign to the org. The segment's traits are AND-ed; an
// empty segment is every user.
func Create(ctx context.Context, db *store.DB, orgID int64, name string, kind Kind, seg rules.Segment) (Campaign, error) {
	name = strings.TrimSpace(name)
	if err := validName(name); err != nil {
		return Campaign{}, err
	}
	if _, err := ParseKind(string(kind)); err != nil {
		return Campaign{}, err
	}
	if seg == nil {
		seg = rules.Segment{}
	}
	for k := range seg {
		// Spam users are never in an audience; filtering on the spam trait
		// could only pick the users who were once marked and unmarked.
		if rules.ValidateTraitKey(k) != nil {
			return Campaign{}, errs.Usagef("--where may not filter on %q: spam users are never in an audience, and the trait is set only by spam mark and unmark.", rules.SpamTrait)
		}
	}
	segJSON, err := json.Marshal(seg)
	if err != nil {
		return Campaign{}, err
	}
	var id int64
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO campaigns (org_id, name, kind, segment) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id, name) DO NOTHING RETURNING id`, orgID, name, string(kind), string(segJSON)).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, errs.Usagef("A campaign named %q already exists in this org; pick another name.", name)
	}
	if err != nil {
		return Campaign{}, store.Translate(ctx, err)
	}
	return Find(ctx, db, orgID, name)
}

func validName(name string) error {
	if name == "" {
		return errs.Usagef("A campaign name may not be empty.")
	}
	if err := input.Plain("campaign name", name, MaxNameLen); err != nil {
		return errs.Usagef("%s.", upperFirst(err.Error()))
	}
	return nil
}

// selectCampaign reads campaigns; withCounts adds the recipient counts by
// status (a scan of each list, so only campaign list pays for it).
func selectCampaign(withCounts bool) string {
	counts := `0::bigint, 0::bigint, 0::bigint FROM campaigns c`
	if withCounts {
		counts = store.Consts(`coalesce(n.pending, 0), coalesce(n.sent, 0), coalesce(n.excluded, 0)
		FROM campaigns c
		LEFT JOIN LATERAL (
			SELECT count(*) FILTER (WHERE r.status = {pending}) AS pending,
			       count(*) FILTER (WHERE r.status = {sent}) AS sent,
			       count(*) FILTER (WHERE r.status = {excluded}) AS excluded
			FROM campaign_recipients r WHERE r.org_id = c.org_id AND r.campaign_id = c.id) n ON true`)
	}
	return `SELECT c.id, c.name, c.kind, c.segment, c.created_at, c.scheduled_at, c.last_run_at, c.runs, ` + counts + `
	WHERE c.org_id = $1`
}

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var seg []byte
	if err := sc.Scan(&c.ID, &c.Name, &c.Kind, &seg, &c.CreatedAt, &c.ScheduledAt, &c.LastRunAt, &c.Runs,
		&c.Pending, &c.Sent, &c.Excluded); err != nil {
		return c, err
	}
	if err := json.Unmarshal(seg, &c.Segment); err != nil {
		return c, fmt.Errorf("campaign %q has a malformed segment: %w", c.Name, err)
	}
	return c, nil
}

// List is the org's campaigns by name, with their recipient counts.
func List(ctx context.Context, q store.Querier, orgID int64) ([]Campaign, error) {
	return list(ctx, q, orgID, true)
}

func list(ctx context.Context, q store.Querier, orgID int64, withCounts bool) ([]Campaign, error) {
	rows, err := q.QueryContext(ctx, selectCampaign(withCounts)+` ORDER BY c.name`, orgID)
	if err != nil {
		return nil, store.Translate(ctx, err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, store.Translate(ctx, rows.Err())
}

// Find is one campaign by name (exit 3 when there is none), without its
// recipient counts.
func Find(ctx context.Context, q store.Querier, orgID int64, name string) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, selectCampaign(false)+` AND c.name = $2`, orgID, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.NotFoundf("No campaign named %q in this org (see 'inboxctl campaign list').", name)
	}
	return c, store.Translate(ctx, err)
}

// lockLists takes the org's campaign-lists lock for the rest of tx,
// exclusively: no mark or unmark commits until tx ends.
func lockLists(ctx context.Context, tx *sql.Tx, orgID int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, store.CampaignListsLock(orgID))
	return err
}

// findForUpdate is Find inside tx with the campaign row locked.
func findForUpdate(ctx context.Context, tx *sql.Tx, orgID int64, name string) (Campaign, error) {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM campaigns WHERE org_id = $1 AND name = $2 FOR UPDATE`, orgID, strings.TrimSpace(name)); err != nil {
		return Campaign{}, err
	}
	return Find(ctx, tx, orgID, name)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
