-- Identity (README "Who may do what"): the database role is the credential,
-- and an agent may be bound to the PostgreSQL login role that acts as them.
-- A role is bound to at most one agent in the whole database, so "the agent
-- of this role" is one row (row-level security and inboxctl both look it
-- up by session_user).
ALTER TABLE agents ADD COLUMN db_role text;
CREATE UNIQUE INDEX agents_db_role ON agents (db_role) WHERE db_role IS NOT NULL;

-- Audit: the database role that made each timeline entry and message, beside
-- the acting agent (actor_id, agent_id). Rows written before this migration
-- keep NULL: who wrote them is not known.
ALTER TABLE chat_events ADD COLUMN db_role text;
ALTER TABLE chat_events ALTER COLUMN db_role SET DEFAULT session_user;
ALTER TABLE messages ADD COLUMN db_role text;
ALTER TABLE messages ALTER COLUMN db_role SET DEFAULT session_user;
