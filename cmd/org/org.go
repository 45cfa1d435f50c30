// Package org holds `inboxctl org create` and `inboxctl org list`.
package org

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/output"
)

// NewCmdOrg is `inboxctl org`.
func NewCmdOrg(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "org <command>",
		Short: "Create and list orgs (tenants)",
		Long: `An org is one business using the inbox. Everything else belongs to exactly
one org. Other commands pick the org with --org SLUG (or INBOXCTL_ORG, or
org: in the config file); it may be omitted when the database holds one org.`,
		Example: `  inboxctl org create acme --name "Acme Retail"
  inboxctl org list`,
		GroupID: "admin",
	}
	c.AddCommand(newCmdCreate(f), newCmdList(f))
	return c
}

var columns = output.Cols("id", "slug", "name", "created_at")

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	var name string
	c := &cobra.Command{
		Use:   "create SLUG [--name NAME]",
		Short: "Create an org",
		Long: `Create an org with a slug (a-z, 0-9 and '-') and a display name (default:
the slug). A slug that is taken is refused (exit 2).`,
		Example: `  inboxctl org create acme --name "Acme Retail"
  inboxctl org create acme-staging -o json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, err := f.DB(c.Context())
			if err != nil {
				return err
			}
			o, err := directory.CreateOrg(c.Context(), db, args[0], name)
			if err != nil {
				return err
			}
			return printOrgs(f, []directory.Org{o})
		},
	}
	c.Flags().StringVar(&name, "name", "", "display name (default: the slug)")
	return c
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List orgs",
		Long: `List every org in the database with its id, slug, name and creation time,
in slug order.`,
		Example: `  inboxctl org list
  inboxctl org list -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			db, err := f.DB(c.Context())
			if err != nil {
				return err
			}
			orgs, err := directory.ListOrgs(c.Context(), db)
			if err != nil {
				return err
			}
			return printOrgs(f, orgs)
		},
	}
}

func printOrgs(f *cmdutil.Factory, orgs []directory.Org) error {
	p, err := f.Printer()
	if err != nil {
		return err
	}
	l := p.List(columns)
	for _, o := range orgs {
		l.Row(o.ID, o.Slug, o.Name, o.CreatedAt)
	}
	return l.Close()
}
