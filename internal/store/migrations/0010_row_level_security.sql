-- Row-level security (README "Who may do what"): a role at level agent (a
-- member of inboxctl_agent, not of inboxctl_admin, not the schema owner)
-- bound to an agent (agents.db_role = session_user) sees, through inboxctl
-- or psql, exactly its agent's view (rule 2: an all-access agent every
-- chat of its org; an assigned-access agent inbox chats assigned to it or
-- unassigned and spam chats assigned to it or marked by it), in its own org
-- only, and changes only what its agent may change (rules 3 and 8; rule 3
-- itself is 0009's triggers). An unbound agent-level role sees nothing.
--
-- Everyone else is unaffected: the schema owner owns the tables (no FORCE),
-- a superuser bypasses policies, and for the read and admin levels (and any
-- role with plain grants, such as a sender service) every policy is true.
--
-- The policies read only session_user and tables, never session state, so
-- they hold the same through a transaction-mode pooler. The helpers are
-- STABLE and called inside scalar subqueries, so each is evaluated once per
-- statement (an InitPlan), not once per row. They run with their owner's
-- rights to read the binding without recursing through the agents policy,
-- and fix search_path with pg_temp last, qualifying every name (as 0004).
-- The chats condition is the SQL of rules.Visibility (store.VisibilityWhere);
-- the differential test TestRowLevelSecurityMatchesRules holds the two
-- together.
DO $migration$
DECLARE
    s text := pg_catalog.quote_ident(pg_catalog.current_schema());
    -- The row's org is the bound agent's.
    org_ok text;
    -- The chat row (chats' own columns) is in the bound agent's view.
    chat_ok text;
    -- The row's user (org_id, user_id) has a chat in the view.
    user_chat_ok text;
    t text;
BEGIN
    -- Whether row-level security narrows the session: its login role is
    -- a member of inboxctl_agent and not of inboxctl_admin. Plain SQL of
    -- built-in functions with every name qualified, so the planner inlines
    -- it (no SET, not SECURITY DEFINER: it reads nothing of ours).
    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rls_restricted() RETURNS boolean LANGUAGE sql STABLE AS
$body$
SELECT coalesce(pg_catalog.pg_has_role(session_user, pg_catalog.to_regrole('inboxctl_agent')::pg_catalog.oid, 'MEMBER'), false)
   AND NOT coalesce(pg_catalog.pg_has_role(session_user, pg_catalog.to_regrole('inboxctl_admin')::pg_catalog.oid, 'MEMBER'), false)
$body$
$fn$, s);

    -- The bound agent of session_user, for an agent-level session only
    -- (every one is NULL for any other session, which no policy narrows):
    -- its id, its org (-1 for an unbound role: no org), its role, and
    -- rls_sees_all, whether its access is all (true for any other
    -- session). PL/pgSQL, so each session plans the lookup once. In the
    -- policies, "(SELECT f()) IS NULL OR org_id = (SELECT f())" and a bare
    -- boolean keep the planner's row estimates (an expression of the
    -- column, as coalesce(f(), org_id), would be estimated at 0.5%% and
    -- turn a folder page's ordered index scan into a sort of the folder).
    FOREACH t IN ARRAY ARRAY['rls_agent|bigint|a.id|NULL', 'rls_org|bigint|coalesce(a.org_id, -1)|NULL', 'rls_role|text|a.role|NULL',
                             $v$rls_sees_all|boolean|coalesce(a.access = 'all', false)|true$v$] LOOP
        EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.%2$s() RETURNS %3$s LANGUAGE plpgsql STABLE
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS
$body$
BEGIN
    IF NOT %1$s.rls_restricted() THEN
        RETURN %5$s;
    END IF;
    RETURN (SELECT %4$s FROM (SELECT NULL) one LEFT JOIN %1$s.agents a ON a.db_role = session_user::text);
END
$body$
$fn$, s, pg_catalog.split_part(t, '|', 1), pg_catalog.split_part(t, '|', 2), pg_catalog.split_part(t, '|', 3), pg_catalog.split_part(t, '|', 4));
    END LOOP;

    -- Of the given refs (phones, ids), those that name a user of the
    -- caller's org, for an agent-level caller only: how inboxctl tells a
    -- ref outside the view (refused) from one that names nobody (not
    -- found) without showing anything of the user. For any other caller,
    -- which sees every user, it returns nothing.
    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rls_existing_refs(phones text[], ids bigint[])
    RETURNS TABLE (phone text, id bigint) LANGUAGE sql STABLE
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS
$body$
SELECT u.phone::text, NULL::bigint FROM %1$s.users u
WHERE u.org_id = (SELECT %1$s.rls_org()) AND u.phone OPERATOR(pg_catalog.=) ANY (phones)
UNION ALL
SELECT NULL::text, u.id FROM %1$s.users u
WHERE u.org_id = (SELECT %1$s.rls_org()) AND u.id OPERATOR(pg_catalog.=) ANY (ids)
$body$
$fn$, s);

    org_ok := pg_catalog.format($c$((SELECT %1$s.rls_org()) IS NULL OR org_id = (SELECT %1$s.rls_org()))$c$, s);
    -- rules.Visibility: an all-access agent sees every chat; an
    -- assigned-access agent unassigned inbox chats, chats assigned to it,
    -- and spam chats it marked.
    chat_ok := pg_catalog.format($c$(%2$s AND ((SELECT %1$s.rls_sees_all())
        OR (folder <> 'spam' AND assignee_id IS NULL)
        OR (SELECT %1$s.rls_agent()) IN (assignee_id, CASE WHEN folder = 'spam' THEN spam_marked_by END)))$c$, s, org_ok);
    user_chat_ok := pg_catalog.replace($c$(%4$s AND ((SELECT %1$s.rls_sees_all()) OR %1$s.rls_user_in_view(%2$s.org_id, %2$s.%3$s)))$c$,
        '%4$s', org_ok);

    -- Whether the chat of a user is in the caller's view, for the tables
    -- reached through the chat (an assigned-access agent's rows only: the
    -- other callers never get here). It reads chats with its owner's
    -- rights, so a role with plain grants on users or recipient lists and
    -- none on chats (a sender service) is not refused by a policy it is
    -- not under.
    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rls_user_in_view(org bigint, usr bigint) RETURNS boolean LANGUAGE sql STABLE
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS
$body$
SELECT EXISTS (SELECT 1 FROM %1$s.chats c WHERE c.org_id = org AND c.user_id = usr AND %2$s)
$body$
$fn$, s, pg_catalog.format($c$c.org_id = (SELECT %1$s.rls_org()) AND (
        (SELECT %1$s.rls_sees_all()) OR (c.folder <> 'spam' AND c.assignee_id IS NULL)
        OR (SELECT %1$s.rls_agent()) IN (c.assignee_id, CASE WHEN c.folder = 'spam' THEN c.spam_marked_by END))$c$, s));

    -- chats: read, lock and update what the view holds (mark: a chat the
    -- agent can see; unmark: one in its spam folder, which it sees; assign,
    -- label, send: one it sees). The new row needs only the org: an assign
    -- to another agent, or an unmark, may move the chat out of the view.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.chats ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.chats USING %2$s WITH CHECK %3$s', s, chat_ok, org_ok);

    -- users, and the rows about a user's chat: through the chat.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.users ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.users FOR SELECT USING %2$s',
        s, pg_catalog.format(user_chat_ok, s, 'users', 'id'));
    EXECUTE pg_catalog.format('CREATE POLICY agent_change ON %1$s.users FOR UPDATE USING %2$s WITH CHECK %3$s',
        s, pg_catalog.format(user_chat_ok, s, 'users', 'id'), org_ok);
    -- New users come from user import, which needs an admin or owner agent.
    EXECUTE pg_catalog.format($p$CREATE POLICY agent_add ON %1$s.users FOR INSERT WITH CHECK
        (%2$s AND coalesce((SELECT %1$s.rls_role()), 'owner') IN ('admin', 'owner'))$p$, s, org_ok);
    EXECUTE pg_catalog.format('CREATE POLICY agent_remove ON %1$s.users FOR DELETE USING %2$s',
        s, pg_catalog.format(user_chat_ok, s, 'users', 'id'));

    -- messages: read in the view; an agent sends as itself, in the view.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.messages ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.messages USING %2$s WITH CHECK (%2$s AND %3$s)',
        s, pg_catalog.format(user_chat_ok, s, 'messages', 'user_id'),
        pg_catalog.format($c$((SELECT %1$s.rls_org()) IS NULL OR (direction = 'outbound' AND agent_id = (SELECT %1$s.rls_agent())))$c$, s));

    -- chat_events: read in the view; an agent records events as itself (an
    -- assign away or an unmark records its event once the chat has left
    -- the view, so the new row needs only the org and the actor).
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.chat_events ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format($p$CREATE POLICY agent_view ON %1$s.chat_events USING %2$s
        WITH CHECK (%3$s AND actor_id IS NOT DISTINCT FROM coalesce((SELECT %1$s.rls_agent()), actor_id))$p$,
        s, pg_catalog.format(user_chat_ok, s, 'chat_events', 'user_id'), org_ok);

    -- notifications: the agent's own, for chats still in its view.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.notifications ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format($p$CREATE POLICY agent_view ON %1$s.notifications USING
        (agent_id = coalesce((SELECT %1$s.rls_agent()), agent_id) AND %2$s)$p$,
        s, pg_catalog.format(user_chat_ok, s, 'notifications', 'user_id'));

    -- campaign_recipients (the recipient lists): entries of users in the
    -- view (a mark excludes, an unmark restores, only its users' entries).
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.campaign_recipients ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.campaign_recipients USING %2$s WITH CHECK %3$s',
        s, pg_catalog.format(user_chat_ok, s, 'campaign_recipients', 'user_id'), org_ok);

    -- The org's other tables: its own org only.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.orgs ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format($p$CREATE POLICY agent_view ON %1$s.orgs
        USING ((SELECT %1$s.rls_org()) IS NULL OR id = (SELECT %1$s.rls_org()))$p$, s);
    FOREACH t IN ARRAY ARRAY['labels', 'campaign_tallies', 'spam_user_tallies', 'campaign_tally_dirty'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %1$s.%2$I ENABLE ROW LEVEL SECURITY', s, t);
        EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.%2$I USING %3$s', s, t, org_ok);
    END LOOP;

    -- agents: the org's agents are readable; only an owner agent adds or
    -- changes them (agent add/bind), so no agent raises its own access.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.agents ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.agents FOR SELECT USING %2$s', s, org_ok);
    FOREACH t IN ARRAY ARRAY['INSERT', 'UPDATE', 'DELETE'] LOOP
        EXECUTE pg_catalog.format($p$CREATE POLICY %2$I ON %1$s.agents FOR %3$s %4$s
            (%5$s AND coalesce((SELECT %1$s.rls_role()), 'owner') = 'owner')$p$,
            s, 'agent_owner_' || pg_catalog.lower(t), t, CASE t WHEN 'INSERT' THEN 'WITH CHECK' ELSE 'USING' END, org_ok);
    END LOOP;

    -- campaigns: readable in the org; written by admin and owner agents.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.campaigns ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format('CREATE POLICY agent_view ON %1$s.campaigns FOR SELECT USING %2$s', s, org_ok);
    FOREACH t IN ARRAY ARRAY['INSERT', 'UPDATE', 'DELETE'] LOOP
        EXECUTE pg_catalog.format($p$CREATE POLICY %2$I ON %1$s.campaigns FOR %3$s %4$s
            (%5$s AND coalesce((SELECT %1$s.rls_role()), 'owner') IN ('admin', 'owner'))$p$,
            s, 'agent_admin_' || pg_catalog.lower(t), t, CASE t WHEN 'INSERT' THEN 'WITH CHECK' ELSE 'USING' END, org_ok);
    END LOOP;

    -- spam_batches: the org's batches; an agent writes batches as itself.
    EXECUTE pg_catalog.format('ALTER TABLE %1$s.spam_batches ENABLE ROW LEVEL SECURITY', s);
    EXECUTE pg_catalog.format($p$CREATE POLICY agent_view ON %1$s.spam_batches USING %2$s
        WITH CHECK (%2$s AND actor_id IS NOT DISTINCT FROM coalesce((SELECT %1$s.rls_agent()), actor_id))$p$, s, org_ok);
END
$migration$;

-- An assign away from the agent and an unmark of a chat the agent marked
-- but another agent is assigned to move the chat out of the agent's view.
-- PostgreSQL checks an UPDATE's new row against the SELECT policy too, so
-- an agent-level role makes these two changes through these functions,
-- which check the old row against the caller's view themselves (they run
-- with their owner's rights, past the policies) and change nothing else.
-- The rule guards (0009) still fire. Either refuses any other caller.
DO $migration$
DECLARE
    s text := pg_catalog.quote_ident(pg_catalog.current_schema());
    in_view text;
BEGIN
    in_view := pg_catalog.format($c$c.org_id = (SELECT %1$s.rls_org()) AND (
        (SELECT %1$s.rls_sees_all()) OR (c.folder <> 'spam' AND c.assignee_id IS NULL)
        OR (SELECT %1$s.rls_agent()) IN (c.assignee_id, CASE WHEN c.folder = 'spam' THEN c.spam_marked_by END))$c$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rls_set_assignee(org bigint, usr bigint, assignee bigint) RETURNS bigint LANGUAGE sql
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS
$body$
WITH changed AS (
    UPDATE %1$s.chats c SET assignee_id = assignee
    WHERE c.org_id = org AND c.user_id = usr AND %2$s
      AND (assignee IS NULL OR EXISTS (SELECT 1 FROM %1$s.agents a WHERE a.org_id = org AND a.id = assignee))
    RETURNING 1)
SELECT pg_catalog.count(*) FROM changed
$body$
$fn$, s, in_view);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rls_unmark_chats(org bigint, users bigint[]) RETURNS bigint LANGUAGE sql
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS
$body$
WITH changed AS (
    UPDATE %1$s.chats c SET folder = 'inbox', spam_marked_by = NULL
    WHERE c.org_id = org AND c.user_id OPERATOR(pg_catalog.=) ANY (users) AND c.folder = 'spam' AND %2$s
    RETURNING 1)
SELECT pg_catalog.count(*) FROM changed
$body$
$fn$, s, in_view);
END
$migration$;
