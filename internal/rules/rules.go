package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// SpamTrait is the user trait that mirrors the spam flag (rule 4).
const SpamTrait = "Marked as Spam"

// TraitValue is the value of SpamTrait for a user with the given spam flag.
func TraitValue(spam bool) string {
	if spam {
		return "Yes"
	}
	return "No"
}

// Access is what an agent may see: every chat, or only chats assigned to
// them and unassigned chats.
type Access string

const (
	AccessAll      Access = "all"
	AccessAssigned Access = "assigned"
)

// Agent is the acting team member as the policy sees them.
type Agent struct {
	ID     int64
	Access Access
}

// Chat is a chat as the policy sees it. AssigneeID and MarkedBy are 0 when
// unset.
type Chat struct {
	Spam       bool
	AssigneeID int64
	MarkedBy   int64
}

// Folder is one of the inbox's four folders.
type Folder string

const (
	FolderAll        Folder = "all"
	FolderYou        Folder = "you"
	FolderUnassigned Folder = "unassigned"
	FolderSpam       Folder = "spam"
)

// Folders lists the folders in display order.
var Folders = []Folder{FolderAll, FolderYou, FolderUnassigned, FolderSpam}

// ParseFolder validates a folder name.
func ParseFolder(s string) (Folder, error) {
	for _, f := range Folders {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown folder %q: use all, you, unassigned or spam", s)
}

// Stored is the folder kept on the chat row: every chat is either in the
// inbox (all/you/unassigned, told apart by its assignee) or in spam.
type Stored string

const (
	StoredInbox Stored = "inbox"
	StoredSpam  Stored = "spam"
)

// StoredFolder is the stored folder of a chat whose user has the given flag.
func StoredFolder(spam bool) Stored {
	if spam {
		return StoredSpam
	}
	return StoredInbox
}

// AssigneeMatch says which assignees a folder view keeps.
type AssigneeMatch int

const (
	AnyAssignee AssigneeMatch = iota
	AssignedToAgent
	Unassigned
)

// FolderFilter is one agent's folder as a filter over stored chats: the
// store turns it into SQL, Matches evaluates it in Go.
type FolderFilter struct {
	Stored   Stored
	Assignee AssigneeMatch
	// OrMarkedBy widens AssignedToAgent to chats the agent marked as spam.
	OrMarkedBy bool
	AgentID    int64
}

// Matches reports whether the chat is in the filtered folder.
func (f FolderFilter) Matches(c Chat) bool {
	if StoredFolder(c.Spam) != f.Stored {
		return false
	}
	switch f.Assignee {
	case AssignedToAgent:
		return c.AssigneeID == f.AgentID || (f.OrMarkedBy && c.MarkedBy == f.AgentID)
	case Unassigned:
		return c.AssigneeID == 0
	}
	return true
}

// ViewFolder is rule 2: the filter for an agent's folder, or a refusal when
// an assigned-access agent asks for all.
func ViewFolder(a Agent, f Folder) (FolderFilter, error) {
	switch f {
	case FolderAll:
		if a.Access != AccessAll {
			return FolderFilter{}, Refuse("The all folder needs all-access; your access is assigned chats only. Use --folder you or --folder unassigned.")
		}
		return FolderFilter{Stored: StoredInbox, AgentID: a.ID}, nil
	case FolderYou:
		return FolderFilter{Stored: StoredInbox, Assignee: AssignedToAgent, AgentID: a.ID}, nil
	case FolderUnassigned:
		return FolderFilter{Stored: StoredInbox, Assignee: Unassigned, AgentID: a.ID}, nil
	case FolderSpam:
		if a.Access == AccessAll {
			return FolderFilter{Stored: StoredSpam, AgentID: a.ID}, nil
		}
		return FolderFilter{Stored: StoredSpam, Assignee: AssignedToAgent, OrMarkedBy: true, AgentID: a.ID}, nil
	}
	return FolderFilter{}, fmt.Errorf("unknown folder %q", f)
}

// InFolder reports whether the chat is in the agent's folder.
func InFolder(a Agent, f Folder, c Chat) bool {
	ff, err := ViewFolder(a, f)
	return err == nil && ff.Matches(c)
}

// Visibility is which chats an agent can see, as a filter value: an
// all-access agent sees every chat; an assigned-access agent sees inbox
// chats assigned to them or unassigned, and spam chats in their spam folder.
type Visibility struct {
	All     bool
	AgentID int64
}

// VisibilityOf is the visibility of an agent.
func VisibilityOf(a Agent) Visibility {
	return Visibility{All: a.Access == AccessAll, AgentID: a.ID}
}

// Matches reports whether the chat is visible.
func (v Visibility) Matches(c Chat) bool {
	if v.All {
		return true
	}
	if c.Spam {
		return c.AssigneeID == v.AgentID || c.MarkedBy == v.AgentID
	}
	return c.AssigneeID == v.AgentID || c.AssigneeID == 0
}

// CanSee reports whether the agent can see the chat (some folder of theirs
// holds it).
func CanSee(a Agent, c Chat) bool { return VisibilityOf(a).Matches(c) }

// Outcome is what a mark or unmark does to one user.
type Outcome string

const (
	Marked    Outcome = "marked"
	Unmarked  Outcome = "unmarked"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Refused   Outcome = "refused"
)

// A ref of a mark, unmark or expire that never reaches the rules has one
// of these statuses instead of an Outcome: RefInvalid, it is neither a
// phone nor a user id; RefNotFound, it names no user of the org.
const (
	RefInvalid  Outcome = "invalid"
	RefNotFound Outcome = "not_found"
)

// MarkOutcome is rules 8 and 10 for a mark: an agent may mark a user whose
// chat they can see; a spam user is unchanged. A chat outside the view is
// refused whether it is spam or not, so the outcome reveals nothing about
// it (README "Who may do what").
func MarkOutcome(a Agent, c Chat) Outcome {
	if !CanSee(a, c) {
		return Refused
	}
	if c.Spam {
		return Unchanged
	}
	return Marked
}

// UnmarkOutcome is rules 8 and 10 for an unmark: an agent may unmark a user
// whose chat is in their spam folder (for a spam chat, the same as seeing
// it); a non-spam user is unchanged. A chat outside the view is refused,
// spam or not.
func UnmarkOutcome(a Agent, c Chat) Outcome {
	if !CanSee(a, c) {
		return Refused
	}
	if !c.Spam {
		return Unchanged
	}
	if InFolder(a, FolderSpam, c) {
		return Unmarked
	}
	return Refused
}

// MarkUntilOutcome is MarkOutcome for a mark that sets an expiry: a spam
// user whose mark expires at another time gets the new expiry (Updated),
// if the agent may unmark them, since an expiry is an unmark set for later;
// the same expiry again is Unchanged (rule 10).
func MarkUntilOutcome(a Agent, c Chat, sameUntil bool) Outcome {
	switch {
	case !c.Spam || !CanSee(a, c):
		return MarkOutcome(a, c)
	case sameUntil:
		return Unchanged
	case InFolder(a, FolderSpam, c):
		return Updated
	}
	return Refused
}

// Expired reports whether a mark with this expiry (nil: none) has expired
// at now: the expiry itself is past. An expired mark stays a mark, with all
// of its effect, until spam expire unmarks it.
func Expired(until *time.Time, now time.Time) bool {
	return until != nil && !until.After(now)
}

// ExpiredWaiting is what a list or card says of an expired mark that spam
// expire has not yet unmarked (a missing cron job shows).
const ExpiredWaiting = "expired, waiting for spam expire"

// ExpiredReason is the reason recorded by spam expire.
const ExpiredReason = "expired"

// Event is the name of an event on a chat's timeline (rule 7).
type Event string

const (
	EventMarked       Event = "marked_spam"
	EventUnmarked     Event = "unmarked_spam"
	EventUntilChanged Event = "spam_until_changed" // a spam user's expiry replaced
	EventAssigned     Event = "assigned"
	EventUnassigned   Event = "unassigned"
	EventLabelled     Event = "labelled"
	EventUnlabelled   Event = "unlabelled"
)

// BatchKind is what a batch of spam changes did (rule 7): every mark,
// unmark and expire records one batch.
type BatchKind string

const (
	BatchMark   BatchKind = "mark"
	BatchUnmark BatchKind = "unmark"
	BatchExpire BatchKind = "expire"
)

// Action is something an agent does to a chat.
type Action string

const (
	ActionAssign     Action = "assign"
	ActionUnassign   Action = "unassign"
	ActionSetLabel   Action = "label"
	ActionClearLabel Action = "clear the label of"
	ActionSend       Action = "message"
)

// CheckAction is rules 3 and 8 for assign, label and send: refused for a
// chat the agent cannot see, and while the user is spam. The view is
// checked first, so a chat outside it gets the same sentence spam or not
// (nothing leaks past the view). markedBy names who marked the user, for
// the sentence.
func CheckAction(a Agent, act Action, c Chat, markedBy string) error {
	if !CanSee(a, c) {
		return Refuse(OutsideView(act))
	}
	if c.Spam {
		who := ""
		if markedBy != "" {
			who = " by " + markedBy
		}
		return Refuse(fmt.Sprintf("Cannot %s this chat: the user is marked as spam%s. Unmark the user first (inboxctl spam unmark).", act, who))
	}
	return nil
}

// OutsideView is the refusal of an action on a chat outside an
// assigned-access agent's view (rule 2), the same whatever the chat's state.
func OutsideView(act Action) string {
	return fmt.Sprintf("Cannot %s this chat: it is outside your view (with assigned access you see chats assigned to you, unassigned chats and spam you marked).", act)
}

// Notifies is rule 6: an inbound message notifies unless the user is spam.
func Notifies(spam bool) bool { return !spam }

// NotifyAgent reports whether an agent gets a desktop notification for an
// inbound message in the chat: the user is not spam and the agent can see it.
func NotifyAgent(a Agent, c Chat) bool { return Notifies(c.Spam) && CanSee(a, c) }

// Segment is a campaign audience as trait filters, AND-ed; empty means
// every user.
type Segment map[string]string

// String renders the segment as sorted TRAIT=VALUE pairs.
func (s Segment) String() string {
	if len(s) == 0 {
		return "every user"
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s[k]
	}
	return strings.Join(parts, " AND ")
}

// Matches reports whether a user with these traits is in the segment.
func (s Segment) Matches(traits map[string]string) bool {
	for k, v := range s {
		if traits[k] != v {
			return false
		}
	}
	return true
}

// InAudience is rule 5: a spam user is never in a campaign's audience.
func InAudience(s Segment, traits map[string]string, spam bool) bool {
	return !spam && s.Matches(traits)
}

// CampaignKind is how a campaign picks whom to message. Rules 5 and 9
// change the recipient entries of one-time campaigns only.
type CampaignKind string

const (
	// OneTime campaigns are scheduled once into a recipient list.
	OneTime CampaignKind = "one-time"
	// Ongoing campaigns message their audience as it is at each run.
	Ongoing CampaignKind = "ongoing"
)

// RecipientStatus is the state of a one-time campaign's recipient entry.
type RecipientStatus string

const (
	Pending  RecipientStatus = "pending"
	Sent     RecipientStatus = "sent"
	Excluded RecipientStatus = "excluded"
)

// ExcludedReasonSpam is the reason on entries excluded because of rule 5.
const ExcludedReasonSpam = "spam"

// AfterMark is rule 5 for one entry: pending becomes excluded (spam); sent
// is history.
func AfterMark(s RecipientStatus, reason string) (RecipientStatus, string) {
	if s == Pending {
		return Excluded, ExcludedReasonSpam
	}
	return s, reason
}

// AfterUnmark is rule 9 for one entry: excluded (spam) goes back to pending
// while the campaign has not run.
func AfterUnmark(s RecipientStatus, reason string, campaignHasRun bool) (RecipientStatus, string) {
	if s == Excluded && reason == ExcludedReasonSpam && !campaignHasRun {
		return Pending, ""
	}
	return s, reason
}

// ValidateTraitKey refuses setting the spam trait by hand (rule 4).
func ValidateTraitKey(k string) error {
	if strings.EqualFold(strings.TrimSpace(k), SpamTrait) {
		return Refuse(fmt.Sprintf("The trait %q is set only by spam mark and spam unmark.", SpamTrait))
	}
	return nil
}

// Refusal is an action refused by a spam rule or a permission.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// Refuse makes a Refusal.
func Refuse(reason string) error { return &Refusal{Reason: reason} }
