package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/lib/pq"

	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// GroupRole is the PostgreSQL group role of a level (README "Who may do
// what"): a login role has a level by being a member of it.
func GroupRole(l rules.Level) string { return "inboxctl_" + string(l) }

// tableGrants are the least privileges each level needs on each of
// inboxctl's tables, on top of SELECT (which every level has on every
// table: read reads every org's data; row-level security narrows what an
// agent-level role sees). TestEveryTableHasGrants keeps this list whole.
var tableGrants = map[string]struct{ agent, admin string }{
	"orgs":  {"", "INSERT"},
	"users": {"INSERT, UPDATE", "INSERT, UPDATE, DELETE"},
	// An owner agent adds agents and binds roles (row-level security keeps
	// it to its org).
	"agents":               {"INSERT, UPDATE", "INSERT, UPDATE, DELETE"},
	"labels":               {"INSERT", "INSERT, UPDATE, DELETE"},
	"chats":                {"INSERT, UPDATE", "INSERT, UPDATE, DELETE"},
	"messages":             {"INSERT", "INSERT, UPDATE, DELETE"},
	"spam_batches":         {"INSERT, UPDATE", "INSERT, UPDATE, DELETE"},
	"chat_events":          {"INSERT", "INSERT, UPDATE, DELETE"},
	"notifications":        {"", "INSERT, UPDATE, DELETE"},
	"campaigns":            {"INSERT, UPDATE", "INSERT, UPDATE, DELETE"},
	"campaign_recipients":  {"INSERT, UPDATE", "INSERT, UPDATE, DELETE"},
	"campaign_tallies":     {"INSERT, DELETE", "INSERT, DELETE"},
	"spam_user_tallies":    {"INSERT, DELETE", "INSERT, DELETE"},
	"campaign_tally_dirty": {"DELETE", "DELETE"},
	"inboxctl_migrations":  {"", ""},
}

// GrantedTables are the tables the levels have grants on.
func GrantedTables() []string {
	out := make([]string, 0, len(tableGrants))
	for t := range tableGrants {
		out = append(out, t)
	}
	return out
}

// levelGrantSQL is every GRANT that gives the level its privileges.
func levelGrantSQL(l rules.Level) []string {
	g := pq.QuoteIdentifier(GroupRole(l))
	// The group names are constants of ours: safe inside the quoted body.
	stmts := []string{fmt.Sprintf(`DO $$ BEGIN EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %%I TO %s', pg_catalog.current_schema()); END $$`, g)}
	for t, p := range tableGrants {
		privs := "SELECT"
		switch l {
		case rules.LevelAgent:
			if p.agent != "" {
				privs += ", " + p.agent
			}
		case rules.LevelAdmin:
			if p.admin != "" {
				privs += ", " + p.admin
			}
		}
		stmts = append(stmts, fmt.Sprintf("GRANT %s ON TABLE %s TO %s", privs, pq.QuoteIdentifier(t), g))
	}
	return stmts
}

// existingGroups are the levels whose group role exists.
func existingGroups(ctx context.Context, q Querier) ([]rules.Level, error) {
	var out []rules.Level
	for _, l := range rules.Levels {
		var ok bool
		if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)`, GroupRole(l)).Scan(&ok); err != nil {
			return nil, err
		}
		if ok {
			out = append(out, l)
		}
	}
	return out, nil
}

// applyLevelGrants gives each existing group role its privileges on this
// database's tables (idempotent): after db grant, and after a migration
// that may have added tables.
func applyLevelGrants(ctx context.Context, tx *sql.Tx) error {
	groups, err := existingGroups(ctx, tx)
	if err != nil {
		return err
	}
	for _, l := range groups {
		for _, s := range levelGrantSQL(l) {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Granted says what db grant did.
type Granted struct {
	Role    string      `json:"role"`
	Level   rules.Level `json:"level"`
	Created []string    `json:"created_groups"`
}

// GrantLevel gives an existing role exactly one level: it creates the three
// group roles when they do not exist yet, grants each its privileges on
// this database's tables, makes the role a member of its level's group and
// of no other. Run by the schema owner (creating the groups needs
// CREATEROLE); idempotent.
func (db *DB) GrantLevel(ctx context.Context, role string, level rules.Level) (Granted, error) {
	out := Granted{Role: role, Level: level}
	if strings.HasPrefix(role, "inboxctl_") {
		return out, errs.Usagef("%s is one of inboxctl's group roles; grant a level to a login role.", role)
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		out.Created = nil
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return errs.NotFoundf("No PostgreSQL role %s: create it first (CREATE ROLE %s LOGIN PASSWORD '...').", role, pq.QuoteIdentifier(role))
		}
		have, err := existingGroups(ctx, tx)
		if err != nil {
			return err
		}
		for _, l := range rules.Levels {
			if containsLevel(have, l) {
				continue
			}
			// A concurrent db grant (another database of the cluster) may
			// create it first: that is as good.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`DO $$ BEGIN CREATE ROLE %s NOLOGIN;
				EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`, pq.QuoteIdentifier(GroupRole(l)))); err != nil {
				if pq.As(err, "42501") != nil {
					return errs.Refusedf("Cannot create the group role %s: this role may not create roles (CREATEROLE). A superuser can create the three once: CREATE ROLE inboxctl_read NOLOGIN; CREATE ROLE inboxctl_agent NOLOGIN; CREATE ROLE inboxctl_admin NOLOGIN.", GroupRole(l))
				}
				return err
			}
			out.Created = append(out.Created, GroupRole(l))
		}
		if err := applyLevelGrants(ctx, tx); err != nil {
			return err
		}
		for _, l := range rules.Levels {
			verb := "REVOKE %s FROM %s"
			if l == level {
				verb = "GRANT %s TO %s"
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(verb, pq.QuoteIdentifier(GroupRole(l)), pq.QuoteIdentifier(role))); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func containsLevel(ls []rules.Level, l rules.Level) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// Identity is the database role running inboxctl and its level.
type Identity struct {
	// Role is session_user: the login role, which SET ROLE does not change.
	Role  string
	Level rules.Level
	// Owner is true for the schema owner (and superusers): level admin
	// without any grant.
	Owner bool
	// Migrated is false on a database inboxctl has never migrated.
	Migrated bool
}

// WhoAmI reads the session's role and its level: the schema owner (the
// owner of inboxctl's tables) or a superuser is admin; otherwise membership
// of inboxctl_admin, inboxctl_agent or inboxctl_read, in that order.
func WhoAmI(ctx context.Context, q Querier) (Identity, error) {
	var id Identity
	var admin, agent, read bool
	err := q.QueryRowContext(ctx, `
		WITH me AS (SELECT r.oid, r.rolname, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user),
		member AS (SELECT g.rolname FROM me, pg_catalog.pg_roles g
		           WHERE g.rolname IN ('inboxctl_admin', 'inboxctl_agent', 'inboxctl_read')
		             AND pg_catalog.pg_has_role(me.oid, g.oid, 'MEMBER'))
		SELECT me.rolname, c.oid IS NOT NULL,
		       me.rolsuper OR coalesce(pg_catalog.pg_has_role(me.oid, c.relowner, 'MEMBER'), false),
		       EXISTS (SELECT 1 FROM member WHERE rolname = 'inboxctl_admin'),
		       EXISTS (SELECT 1 FROM member WHERE rolname = 'inboxctl_agent'),
		       EXISTS (SELECT 1 FROM member WHERE rolname = 'inboxctl_read')
		FROM me LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass('inboxctl_migrations')`).
		Scan(&id.Role, &id.Migrated, &id.Owner, &admin, &agent, &read)
	if err != nil {
		return id, Translate(ctx, err)
	}
	switch {
	case id.Owner || admin:
		id.Level = rules.LevelAdmin
	case agent:
		id.Level = rules.LevelAgent
	case read:
		id.Level = rules.LevelRead
	}
	return id, nil
}
