package campaign

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

// AudienceOptions are `inboxctl campaign audience`'s arguments and flags.
type AudienceOptions struct {
	Factory *cmdutil.Factory
	ctx     context.Context

	Name  string
	Count bool
}

// NewCmdAudience is `inboxctl campaign audience`; runF, if not nil, runs
// instead of audienceRun once the options are complete (for tests).
func NewCmdAudience(f *cmdutil.Factory, runF func(*AudienceOptions) error) *cobra.Command {
	o := &AudienceOptions{Factory: f}
	c := &cobra.Command{
		Use:   "audience NAME [--count]",
		Short: "Stream the users a campaign would message now (never a spam user)",
		Long: `Stream the users in the campaign's segment who are not marked as spam, in
user id order, as the database returns them: a million users stream in flat
memory. -o csv has the header user_id,phone,name; -o ndjson prints one object
a line. --count prints only the number.`,
		Example: `  inboxctl campaign audience "Diwali Sale" -o csv > diwali.csv
  inboxctl campaign audience "Diwali Sale" --count`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ctx = c.Context()
			o.Name = args[0]
			if runF != nil {
				return runF(o)
			}
			return audienceRun(o)
		},
	}
	c.Flags().BoolVar(&o.Count, "count", false, "print only the number of users")
	return c
}

func audienceRun(o *AudienceOptions) error {
	f := o.Factory
	p, err := f.Printer()
	if err != nil {
		return err
	}
	db, org, err := f.Org(o.ctx)
	if err != nil {
		return err
	}
	if o.Count {
		n, err := campaign.AudienceCount(o.ctx, db, org.ID, o.Name)
		if err != nil {
			return err
		}
		if p.Format == output.JSON || p.Format == output.NDJSON {
			return p.JSON(map[string]int64{"count": n})
		}
		_, err = fmt.Fprintln(p.Out, n)
		return err
	}
	l := p.List(output.Cols("user_id", "phone", "name").Numeric("user_id", "phone"))
	row := func(m campaign.Member) error { return l.Row(m.UserID, m.Phone, m.Name) }
	if l.Textual() {
		row = func(m campaign.Member) error { return l.RowText(strconv.FormatInt(m.UserID, 10), m.Phone, m.Name) }
	}
	err = campaign.Audience(o.ctx, db, org.ID, o.Name, row)
	if err != nil {
		return err
	}
	return l.Close()
}
