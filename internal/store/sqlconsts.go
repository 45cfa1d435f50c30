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
	"{ref_marked}", literal(string(rules.Marked)),
	"{ref_unmarked}", literal(string(rules.Unmarked)),
	"{ref_updated}", literal(string(rules.Updated)),
	"{ref_unchanged}", literal(string(rules.Unchanged)),
	"{ref_refused}", literal(string(rules.Refused)),
	"{ref_invalid}", literal(string(rules.RefInvalid)),
	"{ref_not_found}", literal(string(rules.RefNotFound)),
	"{event_marked}", literal(string(rules.EventMarked)),
	"{event_unmarked}", literal(string(rules.EventUnmarked)),
	"{event_until_changed}", literal(string(rules.EventUntilChanged)),
	"{event_assigned}", literal(string(rules.EventAssigned)),
	"{event_unassigned}", literal(string(rules.EventUnassigned)),
	"{event_labelled}", literal(string(rules.EventLabelled)),
	"{event_unlabelled}", literal(string(rules.EventUnlabelled)),
	"{batch_mark}", literal(string(rules.BatchMark)),
	"{batch_unmark}", literal(string(rules.BatchUnmark)),
	"{batch_expire}", literal(string(rules.BatchExpire)),
	"{kind_one_time}", literal(string(rules.OneTime)),
	"{kind_ongoing}", literal(string(rules.Ongoing)),
)

// Consts writes the policy's strings into SQL text as literals, so each is
// spelled once, in package rules: {pending}, {sent} and {excluded} are the
// recipient statuses, {reason_spam} the reason of an entry a mark excluded,
// {folder_inbox} and {folder_spam} the stored folders, {spam_trait} the
// trait that mirrors the flag and {trait_yes}, {trait_no} its values;
// {ref_marked}, {ref_unmarked}, {ref_updated}, {ref_unchanged},
// {ref_refused}, {ref_invalid} and {ref_not_found} the statuses of a ref of
// a mark, unmark or expire; {event_marked}, {event_unmarked},
// {event_until_changed}, {event_assigned}, {event_unassigned},
// {event_labelled} and {event_unlabelled} the timeline's events;
// {batch_mark}, {batch_unmark} and {batch_expire} the kinds of a batch; and
// {kind_one_time}, {kind_ongoing} the kinds of a campaign.
func Consts(sql string) string { return sqlConsts.Replace(sql) }

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
