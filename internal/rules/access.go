package rules

import (
	"fmt"
	"strings"
)

// Level is what a database role may do with inboxctl (README "Who may do
// what"), given by `db grant ROLE --level`; the role that owns the schema is
// always admin.
type Level string

const (
	// LevelNone is a role with no level: inboxctl runs nothing for it.
	LevelNone  Level = ""
	LevelRead  Level = "read"
	LevelAgent Level = "agent"
	LevelAdmin Level = "admin"
)

// Levels lists the levels from least to most.
var Levels = []Level{LevelRead, LevelAgent, LevelAdmin}

// ParseLevel validates a level name.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return LevelNone, fmt.Errorf("--level must be read, agent or admin, not %q", s)
}

// Role is an agent's role in the org.
type Role string

const (
	RoleTeammate Role = "teammate"
	RoleAdmin    Role = "admin"
	RoleOwner    Role = "owner"
)

// rank orders the roles: each may do what the ones before it may.
func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleTeammate:
		return 1
	}
	return 0
}

// AgentUse says whether a command acts for an agent.
type AgentUse int

const (
	// ActsForNoAgent: the command acts for nobody; --as is ignored.
	ActsForNoAgent AgentUse = iota
	// ActsForAnyAgent: an agent acts when there is one (an agent-level
	// role's, or --as); at level admin the command may act for none.
	ActsForAnyAgent
	// ActsForAnAgent: the command needs an acting agent.
	ActsForAnAgent
)

// Use is what a command needs (README "Who may do what"): the level table and
// the agent role matrix, stated once for every command.
type Use struct {
	// Read: the command writes nothing and needs no agent, so level read
	// may run it (acting for no agent).
	Read bool
	// Agent says whether an agent acts.
	Agent AgentUse
	// Role is the least role of the acting agent.
	Role Role
}

// Who is the database role running a command, as the policy sees it.
type Who struct {
	DBRole string
	Level  Level
}

// AllowLevel is the level table of README "Who may do what" for a command
// named cmd: read runs the read commands, agent everything that can act for
// its agent, admin everything.
func AllowLevel(w Who, cmd string, u Use) error {
	switch w.Level {
	case LevelAdmin:
		return nil
	case LevelAgent:
		if u.Agent != ActsForNoAgent {
			return nil
		}
		return Refuse(fmt.Sprintf("'%s' needs level admin; role %s has level agent, which acts only as its bound agent.", cmd, w.DBRole))
	case LevelRead:
		if u.Read {
			return nil
		}
		return Refuse(fmt.Sprintf("'%s' needs level agent or admin; role %s has level read, which runs only commands that write nothing and act for no agent.", cmd, w.DBRole))
	}
	return Refuse(fmt.Sprintf("Role %s has no inboxctl level: the schema owner grants one with 'inboxctl db grant %s --level read|agent|admin'.", w.DBRole, w.DBRole))
}

// AllowRole is the agent role rule of README "Who may do what": the acting
// agent's role must be at least the command's.
func AllowRole(email string, role Role, cmd string, u Use) error {
	if u.Role == "" || role.rank() >= u.Role.rank() {
		return nil
	}
	need := "an owner agent"
	if u.Role == RoleAdmin {
		need = "an admin or owner agent"
	}
	return Refuse(fmt.Sprintf("'%s' needs %s; %s is %s %s.", cmd, need, email, article(string(role)), role))
}

// AllowImpersonation is --as: only level admin may act as an agent of its
// choice; an agent-level role acts only as its bound agent.
func AllowImpersonation(w Who, boundEmail, as string) error {
	switch w.Level {
	case LevelAdmin:
		return nil
	case LevelAgent:
		if as == "" || strings.EqualFold(strings.TrimSpace(as), boundEmail) {
			return nil
		}
		return Refuse(fmt.Sprintf("Role %s acts only as its agent %s, not as %s: acting as another agent (--as) needs level admin.", w.DBRole, boundEmail, as))
	}
	return Refuse(fmt.Sprintf("Acting as an agent (--as %s) needs level agent (as the bound agent) or admin; role %s has level %s.", as, w.DBRole, levelName(w.Level)))
}

func levelName(l Level) string {
	if l == LevelNone {
		return "none"
	}
	return string(l)
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}
