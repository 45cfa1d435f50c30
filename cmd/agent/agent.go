// Package agent holds `inboxctl agent add`, `agent bind` and `agent list`.
package agent

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/output"
)

// NewCmdAgent is `inboxctl agent`.
func NewCmdAgent(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "agent <command>",
		Short: "Add, bind and list agents (team members)",
		Long: `Agents answer chats. Access 'all' sees every chat; access 'assigned' sees only
chats assigned to them and unassigned chats. An agent may be bound to a
PostgreSQL login role (--db-role): that role then acts as the agent, and only
as them, and the database itself shows it only what the agent may see. Other
commands act as an agent named with --as EMAIL (or INBOXCTL_AGENT, or agent:
in the config file), which needs level admin (see 'inboxctl db grant').`,
		Example: `  inboxctl agent add lead@acme.test --role owner --org acme
  inboxctl agent bind ravi@acme.test --db-role ravi
  inboxctl agent list --org acme`,
		GroupID: "admin",
	}
	c.AddCommand(NewCmdAdd(f, nil), NewCmdBind(f, nil), NewCmdList(f, nil))
	return c
}

var columns = output.Cols("id", "email", "access", "role", "db_role", "created_at")

// AddOptions are `inboxctl agent add`'s arguments and flags.
type AddOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Email  string
	Access string
	Role   string
	DBRole string
}

// NewCmdAdd is `inboxctl agent add`; runF, if not nil, runs
// instead of addRun once the options are complete (for tests).
func NewCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	o := &AddOptions{Factory: f}
	c := &cobra.Command{
		Use:   "add EMAIL [--access all|assigned] [--role owner|admin|teammate] [--db-role ROLE]",
		Short: "Add an agent to the org",
		Long: `Add an agent to the org by email. --access all (the default) lets the agent
see every chat; --access assigned limits them to chats assigned to them and
unassigned chats. --role is owner, admin or teammate (the default): teammates
use the inbox and mark spam, admins also import users and run campaigns,
owners also add and bind agents. --db-role binds the agent to an existing
PostgreSQL role (see 'inboxctl agent bind'). An email already in the org is
refused (exit 2).`,
		Example: `  inboxctl agent add lead@acme.test --role owner
  inboxctl agent add ravi@acme.test --access assigned --role teammate --db-role ravi`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.Email = args[0]
			if runF != nil {
				return runF(o)
			}
			return addRun(o)
		},
	}
	c.Flags().StringVar(&o.Access, "access", "all", "what the agent sees: all or assigned")
	c.Flags().StringVar(&o.Role, "role", "teammate", "owner, admin or teammate")
	c.Flags().StringVar(&o.DBRole, "db-role", "", "PostgreSQL login role that acts as this agent")
	_ = c.RegisterFlagCompletionFunc("access", cobra.FixedCompletions([]string{"all", "assigned"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"owner", "admin", "teammate"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func addRun(o *AddOptions) error {
	f := o.Factory
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	a, err := directory.AddAgent(o.ctx, db, org.ID, o.Email, o.Access, o.Role, o.DBRole)
	if err != nil {
		return err
	}
	return printAgents(f, []directory.Agent{a})
}

// BindOptions are `inboxctl agent bind`'s arguments and flags.
type BindOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Email  string
	DBRole string
}

// Validate wants --db-role.
func (o *BindOptions) Validate() error {
	if o.DBRole == "" {
		return errs.Usagef("Name the PostgreSQL role with --db-role ROLE.")
	}
	return nil
}

// NewCmdBind is `inboxctl agent bind`; runF, if not nil, runs
// instead of bindRun once the options are complete (for tests).
func NewCmdBind(f *cmdutil.Factory, runF func(*BindOptions) error) *cobra.Command {
	o := &BindOptions{Factory: f}
	c := &cobra.Command{
		Use:   "bind EMAIL --db-role ROLE",
		Short: "Bind an agent to a PostgreSQL login role",
		Long: `Bind the agent to an existing PostgreSQL login role. A role at level agent
(see 'inboxctl db grant') then acts as this agent and only as them: --as may
be omitted, and naming another agent is refused (exit 4). Row-level security
makes the database show the role only what the agent may see, through
inboxctl or psql. A role is bound to one agent at a time (exit 2 when it is
bound to another); binding the agent again replaces its role.`,
		Example: `  inboxctl db grant ravi --level agent
  inboxctl agent bind ravi@acme.test --db-role ravi`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.Email = args[0]
			if err := o.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return bindRun(o)
		},
	}
	c.Flags().StringVar(&o.DBRole, "db-role", "", "PostgreSQL login role that acts as this agent")
	return c
}

func bindRun(o *BindOptions) error {
	f := o.Factory
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	a, err := directory.BindAgent(o.ctx, db, org.ID, o.Email, o.DBRole)
	if err != nil {
		return err
	}
	return printAgents(f, []directory.Agent{a})
}

// ListOptions are `inboxctl agent list`'s: it takes no arguments and no
// flags of its own.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdList is `inboxctl agent list`; runF, if not nil, runs
// instead of listRun once the options are complete (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list",
		Short: "List the org's agents",
		Long: `List the org's agents with their id, email, access, role, the PostgreSQL
role bound to them (empty when none) and creation time.`,
		Example: `  inboxctl agent list --org acme
  inboxctl agent list -o csv > agents.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if runF != nil {
				return runF(o)
			}
			return listRun(o)
		},
	}
	return c
}

func listRun(o *ListOptions) error {
	f := o.Factory
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	agents, err := directory.ListAgents(o.ctx, db, org.ID)
	if err != nil {
		return err
	}
	return printAgents(f, agents)
}

func printAgents(f *cmdutil.Factory, agents []directory.Agent) error {
	p, err := f.Printer()
	if err != nil {
		return err
	}
	l := p.List(columns)
	for _, a := range agents {
		l.Row(a.ID, a.Email, a.Access, a.Role, a.DBRole, a.CreatedAt)
	}
	return l.Close()
}
