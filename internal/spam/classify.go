package spam

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// classify locks the users and chats of the refs and sets each ref's
// status: invalid, not_found, or the rules' outcome for its user
// (rules.MarkOutcome, rules.MarkUntilOutcome with until, or
// rules.UnmarkOutcome in SQL; for an expire, unmarked while the mark has
// expired, read under the lock, so a user re-marked or unmarked meanwhile
// is left alone).
//
// The locks are taken in id order, each user's row and then its chat's:
// concurrent bulk marks, unmarks and expires then queue instead of
// deadlocking, and an assign or label racing with us waits for us. The rows
// are classified as they are locked (one statement), so the users and chats
// are read once.
func classify(ctx context.Context, tx *sql.Tx, org int64, agent rules.Agent, act action, until *time.Time) error {
	a := store.NewArgs(org)
	// Visibility comes first for an agent's mark or unmark: a ref outside the
	// view is refused, spam or not, so the outcome says nothing about it
	// (README "Who may do what"). A visible spam chat is in the agent's spam
	// folder.
	visible := "true"
	var allowed, unchangedWhen string
	switch act.name {
	case markAction.name:
		visible = store.VisibilityWhere(rules.VisibilityOf(agent), "c", a)
		allowed = "true"
		unchangedWhen = "c.spam"
		if until != nil {
			unchangedWhen = "c.spam AND c.spam_until IS NOT DISTINCT FROM " + a.Add(*until)
		}
	case unmarkAction.name:
		visible = store.VisibilityWhere(rules.VisibilityOf(agent), "c", a)
		spamFolder, err := rules.ViewFolder(agent, rules.FolderSpam)
		if err != nil {
			return err
		}
		allowed = store.FolderWhere(spamFolder, "c", a)
		unchangedWhen = "NOT c.spam"
	default:
		allowed = "true"
		unchangedWhen = "NOT coalesce(" + store.ExpiredWhere("c") + ", false)"
	}
	changed := a.Add(string(act.changed))
	q := fmt.Sprintf(store.Consts(`
		CREATE TEMP TABLE spam_outcomes ON COMMIT DROP AS
		SELECT r.ord, r.line, r.raw, r.user_id, r.err, CASE
			WHEN r.err IS NOT NULL THEN {ref_invalid}
			WHEN r.hidden THEN {ref_refused}
			WHEN r.user_id IS NULL THEN {ref_not_found}
			WHEN r.nth > 1 THEN {ref_unchanged}
			WHEN NOT coalesce((%s), false) THEN {ref_refused}
			WHEN %s THEN {ref_unchanged}
			WHEN NOT coalesce((%s), false) THEN {ref_refused}
			WHEN %s AND c.spam THEN {ref_updated}
			ELSE %s END AS status
		FROM spam_targets r
		LEFT JOIN (
			SELECT u.id AS user_id, u.spam, u.spam_until, c.folder, c.assignee_id, c.spam_marked_by
			FROM users u JOIN chats c ON c.org_id = u.org_id AND c.user_id = u.id
			WHERE u.org_id = $1 AND u.id IN (SELECT user_id FROM spam_targets WHERE user_id IS NOT NULL)
			ORDER BY u.id FOR UPDATE OF u, c) c ON c.user_id = r.user_id`),
		visible, unchangedWhen, allowed, a.Add(act.name == markAction.name), changed)
	if _, err := tx.ExecContext(ctx, q, a.Values()...); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `ANALYZE spam_outcomes`)
	return err
}

type statusCounts struct {
	total int64
	by    map[string]int64
}

func countStatuses(ctx context.Context, q store.Querier) (statusCounts, error) {
	c := statusCounts{by: map[string]int64{}}
	rows, err := q.QueryContext(ctx, `SELECT status, count(*) FROM spam_outcomes GROUP BY status`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return c, err
		}
		c.by[s] = n
		c.total += n
	}
	return c, rows.Err()
}

// failure is a mark or unmark that stops because of some refs: its error
// and the statuses of the refs to list.
type failure struct {
	err   *errs.Error
	kinds []string
}

// problemKind is a status of refs that stops a mark or unmark unless its
// --skip flag is given; problemKinds are in the order of their exit codes
// (README "Exit codes": 2, 3, 4).
type problemKind struct {
	status  string
	what    string // in the error's sentence
	flag    string
	code    errs.Code
	skipped func(Request) bool
	count   func(*Summary) int64
}

var problemKinds = []problemKind{
	{string(rules.RefInvalid), "invalid", "--skip-invalid", errs.Usage,
		func(r Request) bool { return r.SkipInvalid }, func(s *Summary) int64 { return s.Invalid }},
	{string(rules.RefNotFound), "not found", "--skip-missing", errs.NotFound,
		func(r Request) bool { return r.SkipMissing }, func(s *Summary) int64 { return s.NotFound }},
	{string(rules.Refused), "refused", "--skip-refused", errs.Refused,
		func(r Request) bool { return r.SkipRefused }, func(s *Summary) int64 { return s.Refused }},
}

// failures returns the failure for refs that stop the whole change: invalid
// (exit 2), not found (3), refused (4), unless skipped; nil if none does.
func failures(req Request, act action, sum *Summary) *failure {
	f := &failure{}
	var parts, flags []string
	for _, k := range problemKinds {
		n := k.count(sum)
		if n == 0 || k.skipped(req) {
			continue
		}
		if f.err == nil {
			f.err = &errs.Error{Code: k.code}
		}
		f.kinds = append(f.kinds, k.status)
		parts = append(parts, fmt.Sprintf("%d %s", n, k.what))
		flags = append(flags, k.flag)
	}
	if f.err == nil {
		return nil
	}
	f.err.Msg = fmt.Sprintf("Nothing was %s: %s of %d refs (fix them, or pass %s to %s the rest).",
		act.verb, strings.Join(parts, ", "), sum.Requested, strings.Join(flags, " "), act.name)
	return f
}

// skippedKinds are the statuses req's --skip flags pass over.
func skippedKinds(req Request) []string {
	var kinds []string
	for _, k := range problemKinds {
		if k.skipped(req) {
			kinds = append(kinds, k.status)
		}
	}
	return kinds
}

func refusalReason(act action) string {
	if act.name == markAction.name {
		return "you can mark only users whose chat you can see (assigned to you or unassigned)"
	}
	return "you can unmark only users in your spam folder (assigned to you or marked by you)"
}
