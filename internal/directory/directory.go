// Package directory holds the org, agent and user use cases: creating and
// listing orgs and agents, resolving who acts, importing users and showing
// the user card.
//
// Comments cite the spam rules by number: rule N is rule N of the package
// doc of internal/rules.
package directory

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// Org is a tenant.
type Org struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Agent is a team member of an org.
type Agent struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Access    string    `json:"access"`
	Role      string    `json:"role"`
	DBRole    *string   `json:"db_role"`
	CreatedAt time.Time `json:"created_at"`
}

// Rule is the agent as the spam policy sees them.
func (a Agent) Rule() rules.Agent { return rules.Agent{ID: a.ID, Access: rules.Access(a.Access)} }

// Actor is who a command acts for: an agent of an org.
type Actor struct {
	Org   Org
	Agent Agent
}

// CreateOrg creates an org; the name defaults to the slug.
func CreateOrg(ctx context.Context, db *store.DB, slug, name string) (Org, error) {
	if err := input.Slug(slug); err != nil {
		return Org{}, errs.Usagef("%v.", err)
	}
	if name == "" {
		name = slug
	}
	if err := input.Text("org name", name, input.MaxNameLen); err != nil {
		return Org{}, errs.Usagef("%v.", err)
	}
	o := Org{Slug: slug, Name: name}
	err := db.QueryRowContext(ctx, `INSERT INTO orgs (slug, name) VALUES ($1, $2)
		ON CONFLICT (slug) DO NOTHING RETURNING id, created_at`, slug, name).Scan(&o.ID, &o.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, errs.Usagef("An org with slug %q already exists.", slug)
	}
	return o, store.Translate(ctx, err)
}

// ListOrgs lists orgs by slug.
func ListOrgs(ctx context.Context, q store.Querier) ([]Org, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, slug, name, created_at FROM orgs ORDER BY slug`)
	if err != nil {
		return nil, store.Translate(ctx, err)
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		var o Org
		if err := rows.Scan(&o.ID, &o.Slug, &o.Name, &o.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, store.Translate(ctx, rows.Err())
}

// ResolveOrg finds the org by slug; an empty slug is fine when the database
// holds exactly one org.
func ResolveOrg(ctx context.Context, q store.Querier, slug string) (Org, error) {
	if slug != "" {
		var o Org
		err := q.QueryRowContext(ctx, `SELECT id, slug, name, created_at FROM orgs WHERE slug = $1`, slug).Scan(&o.ID, &o.Slug, &o.Name, &o.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return Org{}, errs.NotFoundf("No org with slug %q (see 'inboxctl org list').", slug)
		}
		return o, store.Translate(ctx, err)
	}
	orgs, err := ListOrgs(ctx, q)
	if err != nil {
		return Org{}, err
	}
	switch len(orgs) {
	case 0:
		return Org{}, errs.NotFoundf("The database holds no org yet: create one with 'inboxctl org create SLUG' (or 'inboxctl db seed --demo').")
	case 1:
		return orgs[0], nil
	}
	slugs := make([]string, len(orgs))
	for i, o := range orgs {
		slugs[i] = o.Slug
	}
	return Org{}, errs.Usagef("The database holds several orgs (%s): pick one with --org.", strings.Join(slugs, ", "))
}

// AddAgent adds an agent to an org, bound to the PostgreSQL role dbRole
// unless it is empty.
func AddAgent(ctx context.Context, db *store.DB, orgID int64, email, access, role, dbRole string) (Agent, error) {
	e, err := input.Email(email)
	if err != nil {
		return Agent{}, errs.Usagef("%v.", err)
	}
	if access != string(rules.AccessAll) && access != string(rules.AccessAssigned) {
		return Agent{}, errs.Usagef("--access must be all or assigned, not %q.", access)
	}
	switch role {
	case "owner", "admin", "teammate":
	default:
		return Agent{}, errs.Usagef("--role must be owner, admin or teammate, not %q.", role)
	}
	a := Agent{Email: e, Access: access, Role: role}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if dbRole != "" {
			if err := checkBindable(ctx, tx, dbRole, 0); err != nil {
				return err
			}
			a.DBRole = &dbRole
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO agents (org_id, email, access, role, db_role) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (org_id, email) DO NOTHING RETURNING id, created_at`, orgID, e, access, role, nullString(dbRole)).Scan(&a.ID, &a.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Usagef("Agent %s already exists in this org.", e)
		}
		return err
	})
	return a, store.Translate(ctx, err)
}

// BindAgent binds the org's agent with this email to the PostgreSQL role
// dbRole (README "Who may do what"): that role then acts as the agent, and
// only as them.
func BindAgent(ctx context.Context, db *store.DB, orgID int64, email, dbRole string) (Agent, error) {
	if dbRole == "" {
		return Agent{}, errs.Usagef("Name the PostgreSQL role with --db-role ROLE.")
	}
	var a Agent
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = ResolveAgent(ctx, tx, orgID, email); err != nil {
			return err
		}
		if err := checkBindable(ctx, tx, dbRole, a.ID); err != nil {
			return err
		}
		a.DBRole = &dbRole
		_, err = tx.ExecContext(ctx, `UPDATE agents SET db_role = $3 WHERE org_id = $1 AND id = $2`, orgID, a.ID, dbRole)
		return err
	})
	return a, store.Translate(ctx, err)
}

// checkBindable refuses a role that does not exist or that is bound to
// another agent than agentID (a role acts as one agent).
func checkBindable(ctx context.Context, tx *sql.Tx, dbRole string, agentID int64) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)`, dbRole).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return errs.NotFoundf("No PostgreSQL role %s: create it first (CREATE ROLE ... LOGIN), then give it a level with 'inboxctl db grant %s --level agent'.", dbRole, dbRole)
	}
	var other, org string
	err := tx.QueryRowContext(ctx, `SELECT a.email, o.slug FROM agents a JOIN orgs o ON o.id = a.org_id
		WHERE a.db_role = $1 AND a.id <> $2 FOR UPDATE OF a`, dbRole, agentID).Scan(&other, &org)
	if err == nil {
		return errs.Usagef("Role %s is already bound to agent %s of org %s: a role acts as one agent.", dbRole, other, org)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// BoundAgent is the agent bound to the session's role (session_user), with
// its org; ok is false when the role is bound to none.
func BoundAgent(ctx context.Context, q store.Querier) (Actor, bool, error) {
	var ac Actor
	err := q.QueryRowContext(ctx, `SELECT o.id, o.slug, o.name, o.created_at, `+agentCols+`
		FROM agents a JOIN orgs o ON o.id = a.org_id WHERE a.db_role = session_user`).
		Scan(&ac.Org.ID, &ac.Org.Slug, &ac.Org.Name, &ac.Org.CreatedAt, &ac.Agent.ID, &ac.Agent.Email, &ac.Agent.Access, &ac.Agent.Role, &ac.Agent.DBRole, &ac.Agent.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Actor{}, false, nil
	}
	return ac, err == nil, store.Translate(ctx, err)
}

const agentCols = `a.id, a.email, a.access, a.role, a.db_role, a.created_at`

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ListAgents lists an org's agents by email.
func ListAgents(ctx context.Context, q store.Querier, orgID int64) ([]Agent, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+agentCols+` FROM agents a WHERE a.org_id = $1 ORDER BY a.email`, orgID)
	if err != nil {
		return nil, store.Translate(ctx, err)
	}
	defer rows.Close()
	var out []Agent
	for rows.Next() {
		var a Agent
		if err := rows.Scan(&a.ID, &a.Email, &a.Access, &a.Role, &a.DBRole, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, store.Translate(ctx, rows.Err())
}

// ResolveAgent finds an agent of the org by email.
func ResolveAgent(ctx context.Context, q store.Querier, orgID int64, email string) (Agent, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	var a Agent
	err := q.QueryRowContext(ctx, `SELECT `+agentCols+` FROM agents a WHERE a.org_id = $1 AND a.email = $2`, orgID, e).
		Scan(&a.ID, &a.Email, &a.Access, &a.Role, &a.DBRole, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, errs.NotFoundf("No agent %s in this org (see 'inboxctl agent list').", email)
	}
	return a, store.Translate(ctx, err)
}

// FindUser resolves a ref to a user id.
func FindUser(ctx context.Context, q store.Querier, orgID int64, ref input.Ref) (int64, error) {
	var id int64
	var err error
	if ref.Phone != "" {
		err = q.QueryRowContext(ctx, `SELECT id FROM users WHERE org_id = $1 AND phone = $2`, orgID, ref.Phone).Scan(&id)
	} else {
		err = q.QueryRowContext(ctx, `SELECT id FROM users WHERE org_id = $1 AND id = $2`, orgID, ref.ID).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, NoUser(ctx, q, ref, "User "+ref.String()+" is outside your view: with assigned access you see chats assigned to you, unassigned chats and spam you marked.")
	}
	return id, store.Translate(ctx, err)
}

// NoUser is the error for a ref the session did not find: refused (with
// the sentence hidden) when row-level security hides the user from an
// agent-level role, else not found.
func NoUser(ctx context.Context, q store.Querier, ref input.Ref, hidden string) error {
	h, err := store.RefHidden(ctx, q, ref.Phone, ref.ID)
	switch {
	case err != nil:
		return store.Translate(ctx, err)
	case h:
		return errs.Refusedf("%s", hidden)
	}
	return errs.NotFoundf("No user %s in this org.", ref)
}

// ParseRef parses a REF given on the command line as a usage error.
func ParseRef(s string, by input.By) (input.Ref, error) {
	r, err := input.ParseRef(s, by)
	if err != nil {
		return input.Ref{}, errs.Usagef("Invalid user ref: %v.", err)
	}
	return r, nil
}
