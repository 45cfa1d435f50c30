package campaign

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/campaign"
	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/output"
)

func newCmdAudience(f *cmdutil.Factory) *cobra.Command {
	var count bool
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
			p, err := f.Printer()
			if err != nil {
				return err
			}
			db, org, err := f.Org(c.Context())
			if err != nil {
				return err
			}
			if count {
				n, err := campaign.AudienceCount(c.Context(), db, org.ID, args[0])
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
			err = campaign.Audience(c.Context(), db, org.ID, args[0], row)
			if err != nil {
				return err
			}
			return l.Close()
		},
	}
	c.Flags().BoolVar(&count, "count", false, "print only the number of users")
	return c
}
