-- The two transaction-local settings through which inboxctl's own writes
-- pass the database's checks, inboxctl.spam_write (a mark or an unmark:
-- the rule-4 guards of 0009 let the spam flag, the trait and the chat's
-- spam state change) and inboxctl.tallied (a list write that keeps the
-- campaign tallies itself: 0003's dirty notes and 0009's rule-5 guard stand
-- aside), are honoured only for the roles inboxctl itself runs as: the
-- schema owner (or a member of it), a superuser, and roles granted level
-- agent or admin (db grant). Any other writer (a sender service, the
-- inbox's webhook, psql as a plain role) that sets one and then writes
-- users, chats or recipient lists is refused before its statement runs, so
-- it cannot flag spam outside mark/unmark or write a pending entry for a
-- spam user unseen.
--
-- The check is a statement-level trigger that fires only when a setting is
-- on, so it costs inboxctl one lookup of session_user's memberships per
-- statement and a writer who sets nothing nothing at all; the row-level
-- guards and tally triggers are unchanged.
DO $migration$
DECLARE
    s text := pg_catalog.quote_ident(pg_catalog.current_schema());
    t text;
BEGIN
    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.trusted_writer() RETURNS boolean LANGUAGE sql STABLE
    SET search_path = %1$s, pg_temp AS
$body$
SELECT r.rolsuper
    OR pg_catalog.pg_has_role(r.oid, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = %2$L::pg_catalog.regclass), 'MEMBER')
    OR coalesce(pg_catalog.pg_has_role(r.oid, pg_catalog.to_regrole('inboxctl_agent')::pg_catalog.oid, 'MEMBER'), false)
    OR coalesce(pg_catalog.pg_has_role(r.oid, pg_catalog.to_regrole('inboxctl_admin')::pg_catalog.oid, 'MEMBER'), false)
FROM pg_catalog.pg_roles r WHERE r.rolname = session_user
$body$
$fn$, s, s || '.users');

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.refuse_untrusted_settings() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF NOT coalesce(%1$s.trusted_writer(), false) THEN
        RAISE EXCEPTION USING ERRCODE = 'IX004',
            MESSAGE = pg_catalog.format('Role %%s may not write %%s with inboxctl.spam_write or inboxctl.tallied set: those settings say the transaction is inboxctl''s own mark, unmark or list write, and only the schema owner and roles at level agent or admin (inboxctl db grant) may say so', session_user, TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END $body$
$fn$, s);

    FOREACH t IN ARRAY ARRAY['users', 'chats', 'campaign_recipients'] LOOP
        EXECUTE pg_catalog.format($t$
CREATE TRIGGER refuse_untrusted_settings BEFORE INSERT OR UPDATE OR DELETE ON %1$s.%2$I FOR EACH STATEMENT
    WHEN (pg_catalog.current_setting('inboxctl.spam_write', true) IS NOT DISTINCT FROM 'on'
          OR pg_catalog.current_setting('inboxctl.tallied', true) IS NOT DISTINCT FROM 'on')
    EXECUTE FUNCTION %1$s.refuse_untrusted_settings()
$t$, s, t);
    END LOOP;
END
$migration$;
