package message

import (
	"testing"

	"github.com/inboxctl/inboxctl/internal/cmdutil"
	"github.com/inboxctl/inboxctl/internal/cmdutil/cmdtest"
	"github.com/inboxctl/inboxctl/internal/input"
)

// Flags → options, with no database: each command line either gives the
// options the run would get or a usage error (the start of its sentence).

func TestSendFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdSend, func(o *SendOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[SendOptions]{
		{Argv: []string{"+919800000007", "--text", "Your refund is on its way."},
			Want: &SendOptions{RefText: "+919800000007", ByText: "auto", Text: "Your refund is on its way.", Ref: input.Ref{Phone: "+919800000007"}}},
		{Argv: []string{"42", "--by", "id", "--text", "hi"}, Want: &SendOptions{RefText: "42", ByText: "id", Text: "hi", Ref: input.Ref{ID: 42}}},
		{Argv: []string{"42x", "--text", "hi"}, WantErr: "Invalid user ref: "},
		{Argv: []string{"--text", "hi"}, WantErr: "Accepts 1 arg(s), received 0."},
		{Argv: []string{"42", "--text"}, WantErr: "Flag needs an argument: --text."},
	})
}

func TestReceiveFlags(t *testing.T) {
	cmdtest.Table(t, NewCmdReceive, func(o *ReceiveOptions) (*cmdutil.Factory, bool) {
		f, ctx := o.Factory, o.ctx != nil
		o.Factory, o.ctx = nil, nil
		return f, ctx
	}, []cmdtest.Case[ReceiveOptions]{
		{Argv: []string{"--from", "+44 7700 900123", "--text", "Hi"}, Want: &ReceiveOptions{From: "+44 7700 900123", Text: "Hi"}},
		{Argv: []string{"+447700900123"}, WantErr: `Unknown command "+447700900123" for "receive".`},
		{Argv: []string{"--to", "x"}, WantErr: "Unknown flag: --to. See 'receive --help'."},
	})
}
