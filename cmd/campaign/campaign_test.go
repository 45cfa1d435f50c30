package campaign

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestCreateFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdCreate, func(o *CreateOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[CreateOptions]{
		{Argv: []string{"Diwali Sale", "--kind", "one-time", "--where", "city=Pune", "--where", "tier=gold"},
			Want: &CreateOptions{Name: "Diwali Sale", KindText: "one-time", Where: []string{"city=Pune", "tier=gold"},
				Kind: rules.OneTime, Segment: rules.Segment{"city": "Pune", "tier": "gold"}}},
		{Argv: []string{"Welcome Series", "--kind", "ongoing"},
			Want: &CreateOptions{Name: "Welcome Series", KindText: "ongoing", Kind: rules.Ongoing, Segment: rules.Segment{}}},
		{Argv: []string{"x", "--kind", "weekly"}, WantErr: `--kind must be one-time or ongoing, not "weekly".`},
		{Argv: []string{"x"}, WantErr: `Required flag(s) "kind" not set.`},
		{Argv: []string{"--kind", "ongoing"}, WantErr: "Accepts 1 arg(s), received 0."},
		{Argv: []string{"x", "--kind", "ongoing", "--where", "city"}, WantErr: `--where "city" is not TRAIT=VALUE.`},
		{Argv: []string{"x", "--kind", "ongoing", "--where", "a=1", "--where", "a=2"}, WantErr: `--where names trait "a" twice`},
	})
}

func TestRecipientsFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdRecipients, func(o *RecipientsOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[RecipientsOptions]{
		{Argv: []string{"Diwali Sale"}, Want: &RecipientsOptions{Name: "Diwali Sale"}},
		{Argv: []string{"Diwali Sale", "--status", "excluded"}, Want: &RecipientsOptions{Name: "Diwali Sale", StatusText: "excluded", Status: rules.Excluded}},
		{Argv: []string{"Diwali Sale", "--status", "spam"}, WantErr: `--status must be pending, sent or excluded, not "spam".`},
		{Argv: []string{}, WantErr: "Accepts 1 arg(s), received 0."},
	})
}

func TestAudienceAndCheckFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdAudience, func(o *AudienceOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[AudienceOptions]{
		{Argv: []string{"Diwali Sale"}, Want: &AudienceOptions{Name: "Diwali Sale"}},
		{Argv: []string{"Diwali Sale", "--count"}, Want: &AudienceOptions{Name: "Diwali Sale", Count: true}},
		{Argv: []string{"a", "b"}, WantErr: "Accepts 1 arg(s), received 2."},
		{Argv: []string{"a", "--count=2"}, WantErr: `Invalid argument "2" for "--count" flag`},
	})
	cmdtest.Table(t, NewCmdCheck, func(o *CheckOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[CheckOptions]{
		{Argv: []string{"--all"}, Want: &CheckOptions{Names: []string{}, All: true}},
		{Argv: []string{"A", "B", "--full"}, Want: &CheckOptions{Names: []string{"A", "B"}, Full: true}},
		{Argv: []string{"--recipients", "-"}, Want: &CheckOptions{Names: []string{}, Recipients: "-"}},
		{Argv: []string{"--recipients"}, WantErr: "Flag needs an argument: --recipients."},
	})
}

func TestNameOnlyFlags(t *testing.T) {
	clear := func(o *NameOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}
	cmdtest.Table(t, NewCmdSchedule, func(o *ScheduleOptions) (*cmdutil.Factory, bool) { return clear(&o.NameOptions) }, []cmdtest.Case[ScheduleOptions]{
		{Argv: []string{"Diwali Sale"}, Want: &ScheduleOptions{NameOptions{Name: "Diwali Sale"}}},
		{Argv: []string{}, WantErr: "Accepts 1 arg(s), received 0."},
	})
	cmdtest.Table(t, NewCmdRun, func(o *RunOptions) (*cmdutil.Factory, bool) { return clear(&o.NameOptions) }, []cmdtest.Case[RunOptions]{
		{Argv: []string{"Diwali Sale"}, Want: &RunOptions{NameOptions{Name: "Diwali Sale"}}},
		{Argv: []string{"a", "b"}, WantErr: "Accepts 1 arg(s), received 2."},
		{Argv: []string{"a", "--now"}, WantErr: "Unknown flag: --now. See 'run --help'."},
	})
	cmdtest.Table(t, NewCmdList, func(o *ListOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ListOptions]{
		{Argv: []string{}, Want: &ListOptions{}},
		{Argv: []string{"Diwali"}, WantErr: `Unknown command "Diwali" for "list".`},
	})
}
