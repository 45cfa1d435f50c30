// Package agent holds `inboxctl agent add` and `inboxctl agent list`.
package agent

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/output"
)

// NewCmdAgent is `inboxctl agent`.
func NewCmdAgent(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "agent <command>",
		Short: "Add and list agents (team members)",
		Long: `Agents answer chats. Access 'all' sees every chat; access 'assigned' sees only
chats assigned to them and unassigned chats. Other commands act as an agent
named with --as EMAIL (or INBOXCTL_AGENT, or agent: in the config file).`,
		Example: `  inboxctl agent add lead@acme.test --role owner --org acme
  inboxctl agent list --org acme`,
		GroupID: "admin",
	}
	c.AddCommand(newCmdAdd(f), newCmdList(f))
	return c
}

var columns = output.Cols("id", "email", "access", "role", "created_at")

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var access, role string
	c := &cobra.Command{
		Use:   "add EMAIL [--access all|assigned] [--role owner|admin|teammate]",
		Short: "Add an agent to the org",
		Long: `Add an agent to the org by email. --access all (the default) lets the agent
see every chat; --access assigned limits them to chats assigned to them and
unassigned chats. --role is owner, admin or teammate (the default). An email
already in the org is refused (exit 2).`,
		Example: `  inboxctl agent add lead@acme.test --role owner
  inboxctl agent add ravi@acme.test --access assigned --role teammate`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			a, err := directory.AddAgent(c.Context(), db, org.ID, args[0], access, role)
			if err != nil {
				return err
			}
			return printAgents(f, []directory.Agent{a})
		},
	}
	c.Flags().StringVar(&access, "access", "all", "what the agent sees: all or assigned")
	c.Flags().StringVar(&role, "role", "teammate", "owner, admin or teammate")
	_ = c.RegisterFlagCompletionFunc("access", cobra.FixedCompletions([]string{"all", "assigned"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"owner", "admin", "teammate"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the org's agents",
		Long:  `List the org's agents with their id, email, access, role and creation time.`,
		Example: `  inboxctl agent list --org acme
  inboxctl agent list -o csv > agents.csv`,
		Args: cobra.NoArgs,
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
		l.Row(a.ID, a.Email, a.Access, a.Role, a.CreatedAt)
	}
	return l.Close()
}
