package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/inboxctl/inboxctl/internal/rules"
)

// Args collects query parameters while SQL text is built, so every value
// reaches PostgreSQL as a parameter.
type Args struct{ vals []any }

// NewArgs starts with the given leading parameters ($1, $2, ...).
func NewArgs(first ...any) *Args { return &Args{vals: first} }

// Add appends a parameter and returns its placeholder.
func (a *Args) Add(v any) string {
	a.vals = append(a.vals, v)
	return fmt.Sprintf("$%d", len(a.vals))
}

// Values are the parameters in placeholder order.
func (a *Args) Values() []any { return a.vals }

// FolderBranches turns a rules.FolderFilter into SQL conditions over the
// chats alias c. The branches are disjoint and each is served by one index
// in (activity_at DESC, user_id DESC) order, so a page is one ordered index
// scan per branch (UNION ALL of the branches, then ORDER BY and LIMIT).
// OR-ing them is the folder's whole condition.
func FolderBranches(f rules.FolderFilter, c string, a *Args) []string {
	stored := fmt.Sprintf("%s.folder = %s", c, a.Add(string(f.Stored)))
	switch f.Assignee {
	case rules.Unassigned:
		return []string{fmt.Sprintf("%s AND %s.assignee_id IS NULL", stored, c)}
	case rules.AssignedToAgent:
		agent := a.Add(f.AgentID)
		mine := fmt.Sprintf("%s AND %s.assignee_id = %s", stored, c, agent)
		if !f.OrMarkedBy {
			return []string{mine}
		}
		marked := fmt.Sprintf("%s AND %s.spam_marked_by = %s AND %s.assignee_id IS DISTINCT FROM %s", stored, c, agent, c, agent)
		return []string{mine, marked}
	}
	return []string{stored}
}

// FolderWhere is the folder's whole condition over the chats alias c.
func FolderWhere(f rules.FolderFilter, c string, a *Args) string {
	b := FolderBranches(f, c, a)
	if len(b) == 1 {
		return b[0]
	}
	return "((" + strings.Join(b, ") OR (") + "))"
}

// VisibilityWhere turns a rules.Visibility into a condition over the chats
// alias c: which chats the agent can see.
func VisibilityWhere(v rules.Visibility, c string, a *Args) string {
	if v.All {
		return "true"
	}
	agent := a.Add(v.AgentID)
	return fmt.Sprintf(`COALESCE(CASE WHEN %[1]s.folder = %[3]s
		THEN %[1]s.assignee_id = %[2]s OR %[1]s.spam_marked_by = %[2]s
		ELSE %[1]s.assignee_id = %[2]s OR %[1]s.assignee_id IS NULL END, false)`, c, agent, literal(string(rules.StoredSpam)))
}

// SegmentWhere turns a rules.Segment into a condition over the users alias
// u, served by the GIN index on (org_id, traits). It does not exclude spam
// users: AudienceWhere does.
func SegmentWhere(s rules.Segment, u string, a *Args) string {
	if len(s) == 0 {
		return "true"
	}
	b, _ := json.Marshal(map[string]string(s))
	return fmt.Sprintf("%s.traits @> %s::jsonb", u, a.Add(string(b)))
}

// AudienceWhere is rule 5 over the users alias u: in the segment and not spam.
func AudienceWhere(s rules.Segment, u string, a *Args) string {
	return fmt.Sprintf("NOT %s.spam AND %s", u, SegmentWhere(s, u, a))
}

// ExpiredWhere is rules.Expired for the spam users alias u, against the
// transaction's clock: a mark whose expiry has passed at the start of the
// transaction (now()). It is served by the partial index users_spam_until.
func ExpiredWhere(u string) string {
	return fmt.Sprintf("%[1]s.spam AND %[1]s.spam_until <= now()", u)
}
