package cmd

import (
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/completion"
	"github.com/inboxctl/inboxctl/internal/rules"
	"github.com/inboxctl/inboxctl/internal/store"
)

// completionTimeout bounds a dynamic completion: a shell must never hang on
// a slow or unreachable database.
const completionTimeout = 2 * time.Second

// orgQuery is a completion query scoped to the resolved org.
type orgQuery func(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error)

// argQuery completes one positional argument (nil: nothing to offer).
type argQuery func(completer) completeFunc

func inOrg(q orgQuery) argQuery { return func(f completer) completeFunc { return f.completeOrg(q) } }

// users offers the users the command accepts (spam or not) among those the
// acting agent can see.
func users(spam completion.Spam) argQuery {
	return func(f completer) completeFunc { return f.completeUsers(spam) }
}

// Positional arguments completed from the database, by command path: one
// query per argument position (the last repeats). A user argument offers
// what the command accepts: unmark spam users, mark and the chat commands
// (refused for spam users) the others, user show anyone, each within the
// acting agent's view.
var argCompletions = map[string][]argQuery{
	"inboxctl spam mark":           {users(completion.NotSpamUser)},
	"inboxctl spam unmark":         {users(completion.SpamUser)},
	"inboxctl user show":           {users(completion.AnyUser)},
	"inboxctl chat assign":         {users(completion.NotSpamUser), nil},
	"inboxctl chat unassign":       {users(completion.NotSpamUser), nil},
	"inboxctl chat label set":      {users(completion.NotSpamUser), inOrg(completion.Labels), nil},
	"inboxctl chat label clear":    {users(completion.NotSpamUser), nil},
	"inboxctl message send":        {users(completion.NotSpamUser), nil},
	"inboxctl campaign audience":   {inOrg(completion.Campaigns), nil},
	"inboxctl campaign schedule":   {inOrg(completion.Campaigns), nil},
	"inboxctl campaign recipients": {inOrg(completion.Campaigns), nil},
	"inboxctl campaign run":        {inOrg(completion.Campaigns), nil},
	"inboxctl campaign check":      {inOrg(completion.Campaigns)},
}

// Flags completed from the database, by flag name, on any command.
var flagCompletions = map[string]argQuery{
	"to":    inOrg(completion.Agents),
	"label": inOrg(completion.Labels),
	"batch": func(f completer) completeFunc { return f.completeBatches() },
}

// registerCompletions wires dynamic completion into the built tree: by flag
// name on every command that has the flag, and by command path for
// positional arguments. Nothing connects until a completion runs.
func registerCompletions(root *cobra.Command, f completer) {
	_ = root.RegisterFlagCompletionFunc("as", f.completeOrg(completion.Agents))
	_ = root.RegisterFlagCompletionFunc("org", f.complete(func(ctx context.Context, q store.Querier, _ int64, p string) ([]string, error) {
		return completion.Orgs(ctx, q, p)
	}, false))
	folders := make([]string, len(rules.Folders))
	for i, fo := range rules.Folders {
		folders[i] = string(fo)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, q := range flagCompletions {
			if c.LocalNonPersistentFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, q(f))
			}
		}
		if c.LocalNonPersistentFlags().Lookup("folder") != nil {
			_ = c.RegisterFlagCompletionFunc("folder", cobra.FixedCompletions(folders, cobra.ShellCompDirectiveNoFileComp))
		}
		if qs, ok := argCompletions[c.CommandPath()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				i := min(len(args), len(qs)-1)
				if qs[i] == nil {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return qs[i](f)(cmd, args, toComplete)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

type completeFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// completeOrg runs an org-scoped completion query.
func (f completer) completeOrg(q orgQuery) completeFunc { return f.complete(q, true) }

// completeUsers offers the phones of the users the command accepts, in
// the view of the acting agent when one acts (--as, or an agent-level
// role's bound agent), else the org's (the command will ask for --as).
func (f completer) completeUsers(spam completion.Spam) completeFunc {
	return f.complete(func(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
		vis, err := f.view(ctx)
		if err != nil {
			return nil, err
		}
		return completion.Users(ctx, q, orgID, vis, spam, prefix)
	}, true)
}

// completeBatches offers the mark batches --batch takes, those with a
// user still spam in the acting agent's view.
func (f completer) completeBatches() completeFunc {
	return f.complete(func(ctx context.Context, q store.Querier, orgID int64, prefix string) ([]string, error) {
		vis, err := f.view(ctx)
		if err != nil {
			return nil, err
		}
		return completion.Batches(ctx, q, orgID, vis, prefix)
	}, true)
}

// view is what the acting agent sees (rule 2): the whole org when no agent
// acts.
func (f completer) view(ctx context.Context) (rules.Visibility, error) {
	_, actor, err := f.Acting(ctx)
	if err != nil {
		return rules.Visibility{}, err
	}
	if actor.Agent.ID == 0 {
		return rules.Visibility{All: true}, nil
	}
	return rules.VisibilityOf(actor.Agent.Rule()), nil
}

// completer adds completion helpers to the factory without widening its API.
type completer struct{ *cmdutil.Factory }

// complete runs q against the configured database within
// completionTimeout; any error (no database, no org, timeout) completes
// nothing and prints nothing.
func (f completer) complete(q orgQuery, needOrg bool) completeFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(c.Context(), completionTimeout)
		defer cancel()
		f.IO.ErrOut = io.Discard
		var out []string
		var err error
		if needOrg {
			db, org, oerr := f.Org(ctx)
			if oerr != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			out, err = q(ctx, db, org.ID, toComplete)
		} else {
			db, derr := f.DB(ctx)
			if derr != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			out, err = q(ctx, db, 0, toComplete)
		}
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

//go:generate sh -c "cd .. && go run . completion bash > completions/inboxctl.bash && go run . completion zsh > completions/_inboxctl && go run . completion fish > completions/inboxctl.fish && go run . completion powershell > completions/inboxctl.ps1"
