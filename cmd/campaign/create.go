package campaign

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/input"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	var kind string
	var where []string
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
			k, err := campaign.ParseKind(kind)
			if err != nil {
				return err
			}
			seg, err := input.ParseWhere(where)
			if err != nil {
				return errs.Usagef("%s.", upper(err.Error()))
			}
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			cp, err := campaign.Create(c.Context(), db, org.ID, args[0], k, seg)
			if err != nil {
				return err
			}
			return p.Record(cp, []output.Field{{Title: "id", Value: cp.ID}, {Title: "name", Value: cp.Name},
				{Title: "kind", Value: string(cp.Kind)}, {Title: "segment", Value: cp.Segment.String()}})
		},
	}
	c.Flags().StringVar(&kind, "kind", "", "one-time (scheduled into a recipient list) or ongoing (its audience at each run)")
	c.Flags().StringArrayVar(&where, "where", nil, "trait filter TRAIT=VALUE (repeatable, AND-ed)")
	cmdutil.MarkFlagRequired(c, "kind")
	_ = c.RegisterFlagCompletionFunc("kind", cobra.FixedCompletions([]string{"one-time", "ongoing"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
