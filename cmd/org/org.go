// Package org holds `inboxctl org create` and `inboxctl org list`.
package org

import (
	"context"
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
	c.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil))
	return c
}

var columns = output.Cols("id", "slug", "name", "created_at")

// CreateOptions are `inboxctl org create`'s arguments and flags.
type CreateOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Slug string
	Name string
}

// NewCmdCreate is `inboxctl org create`; runF, if not nil, runs
// instead of createRun once the options are complete (for tests).
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	o := &CreateOptions{Factory: f}
	c := &cobra.Command{
		Use:   "create SLUG [--name NAME]",
		Short: "Create an org",
		Long: `Create an org with a slug (a-z, 0-9 and '-') and a display name (default:
the slug). A slug that is taken is refused (exit 2).`,
		Example: `  inboxctl org create acme --name "Acme Retail"
  inboxctl org create acme-staging -o json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.Slug = args[0]
			if runF != nil {
				return runF(o)
			}
			return createRun(o)
		},
	}
	c.Flags().StringVar(&o.Name, "name", "", "display name (default: the slug)")
	return c
}

func createRun(o *CreateOptions) error {
	f := o.Factory
	db, err := f.DB(o.ctx)
	if err != nil {
		return err
	}
	org, err := directory.CreateOrg(o.ctx, db, o.Slug, o.Name)
	if err != nil {
		return err
	}
	return printOrgs(f, []directory.Org{org})
}

// ListOptions are `inboxctl org list`'s: it takes no arguments and no
// flags of its own.
type ListOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context
}

// NewCmdList is `inboxctl org list`; runF, if not nil, runs
// instead of listRun once the options are complete (for tests).
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	o := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list",
		Short: "List orgs",
		Long: `List every org in the database with its id, slug, name and creation time,
in slug order.`,
		Example: `  inboxctl org list
  inboxctl org list -o json`,
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
	db, err := f.DB(o.ctx)
	if err != nil {
		return err
	}
	orgs, err := directory.ListOrgs(o.ctx, db)
	if err != nil {
		return err
	}
	return printOrgs(f, orgs)
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
