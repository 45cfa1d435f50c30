package store

import (
	"strings"

	"github.com/inboxctl/inboxctl/internal/rules"
)

// sqlConsts are the policy's strings (package rules) as SQL literals.
var sqlConsts = strings.NewReplacer(
	"{pending}", literal(string(rules.Pending)),
	"{sent}", literal(string(rules.Sent)),
	"{excluded}", literal(string(rules.Excluded)),
	"{reason_spam}", literal(rules.ExcludedReasonSpam),
	"{folder_inbox}", literal(string(rules.StoredInbox)),
	"{folder_spam}", literal(string(rules.StoredSpam)),
	"{spam_trait}", literal(rules.SpamTrait),
	"{trait_yes}", literal(rules.TraitValue(true)),
	"{trait_no}", literal(rules.TraitValue(false)),
)

// Consts writes the policy's strings into SQL text as literals, so each is
// spelled once, in package rules: {pending}, {sent} and {excluded} are the
// recipient statuses, {reason_spam} the reason of an entry a mark excluded,
// {folder_inbox} and {folder_spam} the stored folders, {spam_trait} the
// trait that mirrors the flag and {trait_yes}, {trait_no} its values.
func Consts(sql string) string { return sqlConsts.Replace(sql) }

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
