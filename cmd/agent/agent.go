// Package agent holds `inboxctl agent add`, `agent bind` and `agent list`.
package agent

import (
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
	c.AddCommand(newCmdAdd(f), newCmdBind(f), newCmdList(f))
	return c
}

var columns = output.Cols("id", "email", "access", "role", "db_role", "created_at")

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var access, role, dbRole string
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
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			a, err := directory.AddAgent(c.Context(), db, org.ID, args[0], access, role, dbRole)
			if err != nil {
				return err
			}
			return printAgents(f, []directory.Agent{a})
		},
	}
	c.Flags().StringVar(&access, "access", "all", "what the agent sees: all or assigned")
	c.Flags().StringVar(&role, "role", "teammate", "owner, admin or teammate")
	c.Flags().StringVar(&dbRole, "db-role", "", "PostgreSQL login role that acts as this agent")
	_ = c.RegisterFlagCompletionFunc("access", cobra.FixedCompletions([]string{"all", "assigned"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"owner", "admin", "teammate"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func newCmdBind(f *cmdutil.Factory) *cobra.Command {
	var dbRole string
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
			if dbRole == "" {
				return errs.Usagef("Name the PostgreSQL role with --db-role ROLE.")
			}
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			a, err := directory.BindAgent(c.Context(), db, org.ID, args[0], dbRole)
			if err != nil {
				return err
			}
			return printAgents(f, []directory.Agent{a})
		},
	}
	c.Flags().StringVar(&dbRole, "db-role", "", "PostgreSQL login role that acts as this agent")
	return c
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the org's agents",
		Long: `List the org's agents with their id, email, access, role, the PostgreSQL
role bound to them (empty when none) and creation time.`,
		Example: `  inboxctl agent list --org acme
  inboxctl agent list -o csv > agents.csv`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			agents, err := directory.ListAgents(c.Context(), db, org.ID)
			if err != nil {
				return err
			}
			return printAgents(f, agents)
		},
	}
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
