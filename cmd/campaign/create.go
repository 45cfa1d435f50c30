package campaign

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// CreateOptions are `inboxctl campaign create`'s arguments and flags, and
// what Complete makes of them.
type CreateOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Name     string
	KindText string   // --kind as given
	Where    []string // --where as given

	// Kind and Segment are --kind and --where, parsed by Complete.
	Kind    campaign.Kind
	Segment rules.Segment
}

// Complete parses --kind and --where.
func (o *CreateOptions) Complete(c *cobra.Command, args []string) error {
	o.Name = args[0]
	k, err := campaign.ParseKind(o.KindText)
	if err != nil {
		return err
	}
	seg, err := input.ParseWhere(o.Where)
	if err != nil {
		return errs.Usagef("%s.", upper(err.Error()))
	}
	o.Kind, o.Segment = k, seg
	return nil
}

// NewCmdCreate is `inboxctl campaign create`; runF, if not nil, runs
// instead of createRun once the options are complete (for tests).
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	o := &CreateOptions{Factory: f}
	c := &cobra.Command{
		Use:   "create NAME --kind one-time|ongoing [--where TRAIT=VALUE]...",
		Short: "Create a campaign for a segment of users",
		Long: `Create a campaign. --where filters users by trait (repeat it: filters are
AND-ed); without it the campaign is for every user. Spam users are never in the
audience, whatever the filters say.`,
		Example: `  inboxctl campaign create "Diwali Sale" --kind one-time --where city=Pune --where tier=gold
  inboxctl campaign create "Welcome Series" --kind ongoing`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			if err := o.Complete(c, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return createRun(o)
		},
	}
	c.Flags().StringVar(&o.KindText, "kind", "", "one-time (scheduled into a recipient list) or ongoing (its audience at each run)")
	c.Flags().StringArrayVar(&o.Where, "where", nil, "trait filter TRAIT=VALUE (repeatable, AND-ed)")
	cmdutil.MarkFlagRequired(c, "kind")
	_ = c.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions([]string{string(rules.OneTime), string(rules.Ongoing)}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func createRun(o *CreateOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	cp, err := campaign.Create(o.ctx, db, org.ID, o.Name, o.Kind, o.Segment)
	if err != nil {
		return err
	}
	return p.Record(cp, []output.Field{{Title: "id", Value: cp.ID}, {Title: "name", Value: cp.Name},
		{Title: "kind", Value: string(cp.Kind)}, {Title: "segment", Value: cp.Segment.String()}})
}
