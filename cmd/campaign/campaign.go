// Package campaign holds `inboxctl campaign`: create, list, audience,
// schedule, recipients, run and check.
package campaign

import (
	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
)

// NewCmdCampaign is `inboxctl campaign`.
func NewCmdCampaign(f *cmdutil.Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "campaign <command>",
		Short: "Create campaigns, see their audience and recipients, and check them for spam users",
		Long: `A campaign messages a segment of the org's users, given as trait filters
(--where TRAIT=VALUE, AND-ed; none means every user). A user marked as spam is
never in any campaign's audience.

A one-time campaign is scheduled once into a recipient list (pending entries;
spam users excluded), then run. An ongoing campaign messages its audience as it
is at each run. 'inboxctl campaign check' is the command a CI job calls: it
exits 5 when a spam user would be messaged.`,
		Example: `  inboxctl campaign create "Diwali Sale" --kind one-time --where city=Pune
  inboxctl campaign schedule "Diwali Sale"
  inboxctl campaign recipients "Diwali Sale" --status excluded

  # in CI: fail if any campaign would message a spam user
  inboxctl campaign check --all`,
		GroupID: "core",
	}
	c.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdAudience(f, nil), NewCmdSchedule(f, nil),
		NewCmdRecipients(f, nil), NewCmdRun(f, nil), NewCmdCheck(f, nil))
	return c
}
