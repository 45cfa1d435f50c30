-- Expiring marks (issue 19) and the batch history.
--
-- users.spam_until is when the user's current mark expires (NULL: never);
-- `spam expire` unmarks every spam user whose spam_until has passed, as one
-- batch of kind 'expire' with no acting agent. The partial index finds them
-- (and the marks expiring soon) without reading the spam users.
ALTER TABLE users ADD COLUMN spam_until timestamptz;
CREATE INDEX users_spam_until ON users (org_id, spam_until) WHERE spam AND spam_until IS NOT NULL;

-- A batch is a mark, an unmark or an expire; an expire acts for no agent.
-- db_role is the database role that wrote it (the audit of README "Who may
-- do what": every write records the role, an impersonated write both);
-- until is the expiry a mark batch set.
ALTER TABLE spam_batches DROP CONSTRAINT spam_batches_action_check;
ALTER TABLE spam_batches ADD CONSTRAINT spam_batches_action_check CHECK (action IN ('mark', 'unmark', 'expire'));
ALTER TABLE spam_batches ALTER COLUMN actor_id DROP NOT NULL;
ALTER TABLE spam_batches ADD COLUMN db_role text NOT NULL DEFAULT session_user;
ALTER TABLE spam_batches ADD COLUMN until timestamptz;

-- A re-mark that replaces a spam user's expiry is on the timeline too. The
-- new list only adds a kind, so the rows need no second look (NOT VALID).
ALTER TABLE chat_events DROP CONSTRAINT chat_events_event_check;
ALTER TABLE chat_events ADD CONSTRAINT chat_events_event_check
    CHECK (event IN ('marked_spam', 'unmarked_spam', 'spam_until_changed', 'assigned', 'unassigned', 'labelled', 'unlabelled')) NOT VALID;
