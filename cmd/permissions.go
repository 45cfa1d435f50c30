package cmd

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// Uses is what each command that reaches the database needs (README "Who may
// do what": the level table and the agent roles), by command name. A command
// that is not here and calls Factory.DB acts for no agent and writes: level
// admin. db migrate and db status check no level (the database itself decides
// who may migrate; status reads only the migrations).
var Uses = map[string]rules.Use{
	// Read: write nothing, act for no agent (an agent-level role runs them
	// as its agent, within its agent's role).
	"org list":            {Read: true, Agent: rules.ActsForAnyAgent},
	"agent list":          {Read: true, Agent: rules.ActsForAnyAgent},
	"label list":          {Read: true, Agent: rules.ActsForAnyAgent},
	"campaign list":       {Read: true, Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"campaign audience":   {Read: true, Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"campaign recipients": {Read: true, Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"campaign check":      {Read: true, Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	// The inbox, for every agent.
	"user show":          {Agent: rules.ActsForAnyAgent},
	"inbox list":         {Agent: rules.ActsForAnAgent},
	"chat assign":        {Agent: rules.ActsForAnAgent},
	"chat unassign":      {Agent: rules.ActsForAnAgent},
	"chat label set":     {Agent: rules.ActsForAnAgent},
	"chat label clear":   {Agent: rules.ActsForAnAgent},
	"message send":       {Agent: rules.ActsForAnAgent},
	"notifications list": {Agent: rules.ActsForAnAgent},
	"spam mark":          {Agent: rules.ActsForAnAgent},
	"spam unmark":        {Agent: rules.ActsForAnAgent},
	"spam list":          {Agent: rules.ActsForAnAgent},
	// Admin and owner agents; level admin may run them for no agent.
	"user import":       {Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"campaign create":   {Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"campaign schedule": {Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"campaign run":      {Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"spam expire":       {Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	"spam batches":      {Agent: rules.ActsForAnyAgent, Role: rules.RoleAdmin},
	// Owner agents.
	"agent add":  {Agent: rules.ActsForAnyAgent, Role: rules.RoleOwner},
	"agent bind": {Agent: rules.ActsForAnyAgent, Role: rules.RoleOwner},
	// Shell completion reads, as the agent its role or --as names.
	"__complete": {Read: true, Agent: rules.ActsForAnyAgent},
}

// setUse tells the Factory which command runs and what it needs, before
// its RunE connects.
func setUse(f *cmdutil.Factory, c *cobra.Command) {
	name := strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
	f.Command = name
	if u, ok := Uses[name]; ok {
		f.Use = &u
	}
}
