// Package rules is inboxctl's spam policy: which folder a chat is in, who may
// mark and unmark, what a spam user's chat refuses, who is in a campaign's
// audience and which inbound messages notify. It is pure Go: no SQL, no I/O.
//
// Where the store must compute the same thing in SQL for speed, this package
// states it as a small filter value (FolderFilter, Visibility, Segment) that
// the store turns into SQL and that Go evaluates with Matches; differential
// tests hold the two against each other on generated data.
//
// # The spam rules
//
// Comments across inboxctl cite these by number ("rule 3 (see package rules)").
//
//  1. Mark: marking a user as spam applies to all of the user's chats, old
//     and new; their incoming messages are still stored.
//  2. Folders: a spam user's chat is only in the spam folder, which holds,
//     for an agent with all access, every spam chat of the org, and for one
//     with assigned access, the spam chats assigned to them or marked by
//     them; the all folder is refused to assigned access (ViewFolder).
//  3. Frozen chat: while a user is spam, nobody may assign, unassign or
//     label their chat or send them a message; each refusal says why
//     (CheckAction).
//  4. Trait: the trait "Marked as Spam" is Yes while the user is spam and No
//     otherwise; only mark and unmark change it (SpamTrait, ValidateTraitKey).
//  5. Campaigns: a spam user is in no campaign's audience; a mark sets their
//     pending recipient entries to excluded (reason spam); sent entries never
//     change (InAudience, AfterMark).
//  6. Notifications: an inbound message from a spam user notifies nobody
//     (Notifies).
//  7. Timeline: mark and unmark each record a chat event with the agent,
//     the reason and the batch; the user card shows who marked, when and why.
//  8. Who may mark: an agent may mark a user whose chat they can see, and
//     unmark a user whose chat is in their spam folder (MarkOutcome,
//     UnmarkOutcome).
//  9. Unmark reverts everything: trait No, the chat back in the folders its
//     assignment puts it in, assign, label and send allowed again, excluded
//     (spam) entries of campaigns that have not run pending again
//     (AfterUnmark), notifications resumed.
//  10. Idempotent: marking a spam user or unmarking a user who is not spam
//     changes nothing and is reported as unchanged, not as an error.
//  11. Atomic: a mark or unmark, single or bulk, commits whole or not at
//     all; concurrent agents never leave it half applied, and an assign,
//     label or send racing with a mark never lands on a spam user's chat.
package rules
