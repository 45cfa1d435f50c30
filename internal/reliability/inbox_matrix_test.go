package reliability

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/directory"
	"github.com/inboxctl/inboxctl/internal/errs"
	"github.com/inboxctl/inboxctl/internal/rules"
)

// actionCommand is an inbox action on one chat, refused as
// rules.CheckAction says.
func actionCommand(name string, act rules.Action, args func(ref string, actor directory.Actor) []string,
	after func(t *testing.T, d demo, r result, id int64, a rules.Agent, before rules.Chat)) agentCommand {
	return agentCommand{
		name: name,
		args: args,
		want: func(a rules.Agent, c rules.Chat) errs.Code { return refusalCode(rules.CheckAction(a, act, c, "")) },
		after: func(t *testing.T, d demo, r result, id int64, a rules.Agent, before rules.Chat) {
			if rules.CheckAction(a, act, before, "") != nil {
				// Refused: the label and the messages did not change either.
				if n := d.count(t, `SELECT count(*) FROM chats WHERE user_id = $1 AND label_id IS NOT NULL`, id); n != 0 {
					t.Errorf("refused, yet the chat has a label")
				}
				if n := d.count(t, `SELECT count(*) FROM messages WHERE user_id = $1 AND direction = 'outbound'`, id); n != 0 {
					t.Errorf("refused, yet a message was sent")
				}
				return
			}
			if after != nil {
				after(t, d, r, id, a, before)
			}
		},
	}
}

// folderCommand lists a folder: refused as rules.ViewFolder says, and the
// chat is on the page exactly when rules.InFolder says.
func folderCommand(f rules.Folder) agentCommand {
	return agentCommand{
		name: "inbox list --folder " + string(f),
		args: func(string, directory.Actor) []string {
			return []string{"inbox", "list", "--folder", string(f), "--limit", "1000", "-o", "json"}
		},
		want: func(a rules.Agent, _ rules.Chat) errs.Code {
			_, err := rules.ViewFolder(a, f)
			return refusalCode(err)
		},
		after: func(t *testing.T, d demo, r result, id int64, a rules.Agent, c rules.Chat) {
			if r.Code != 0 {
				return
			}
			if got, want := listed(t, r.Stdout, id), rules.InFolder(a, f, c); got != want {
				t.Errorf("on the page=%v, rules.InFolder=%v", got, want)
			}
		},
	}
}

// inboxCommands are the inbox's agent commands: assign, unassign, label,
// unlabel, send, and each folder.
func inboxCommands() []agentCommand {
	cmds := []agentCommand{
		actionCommand("chat assign", rules.ActionAssign,
			func(ref string, actor directory.Actor) []string {
				return []string{"chat", "assign", ref, "--to", actor.Agent.Email}
			},
			func(t *testing.T, d demo, _ result, id int64, a rules.Agent, _ rules.Chat) {
				if got := d.chatState(t, id).AssigneeID; got != a.ID {
					t.Errorf("assignee %d after the assign, want %d", got, a.ID)
				}
			}),
		actionCommand("chat unassign", rules.ActionUnassign,
			func(ref string, _ directory.Actor) []string { return []string{"chat", "unassign", ref} },
			func(t *testing.T, d demo, _ result, id int64, _ rules.Agent, _ rules.Chat) {
				if got := d.chatState(t, id).AssigneeID; got != 0 {
					t.Errorf("assignee %d after the unassign", got)
				}
			}),
		actionCommand("chat label set", rules.ActionSetLabel,
			func(ref string, _ directory.Actor) []string { return []string{"chat", "label", "set", ref, "matrix"} },
			func(t *testing.T, d demo, _ result, id int64, _ rules.Agent, _ rules.Chat) {
				if n := d.count(t, `SELECT count(*) FROM chats c JOIN labels l ON l.org_id = c.org_id AND l.id = c.label_id WHERE c.user_id = $1 AND l.name = 'matrix'`, id); n != 1 {
					t.Errorf("no label after the label set")
				}
			}),
		actionCommand("chat label clear", rules.ActionClearLabel,
			func(ref string, _ directory.Actor) []string { return []string{"chat", "label", "clear", ref} }, nil),
		actionCommand("message send", rules.ActionSend,
			func(ref string, _ directory.Actor) []string {
				return []string{"message", "send", ref, "--text", "hello"}
			},
			func(t *testing.T, d demo, _ result, id int64, _ rules.Agent, _ rules.Chat) {
				if n := d.count(t, `SELECT count(*) FROM messages WHERE user_id = $1 AND direction = 'outbound' AND text = 'hello'`, id); n != 1 {
					t.Errorf("%d messages after the send", n)
				}
			}),
	}
	for _, f := range rules.Folders {
		cmds = append(cmds, folderCommand(f))
	}
	return cmds
}
