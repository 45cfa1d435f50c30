-- The tally triggers run with their owner's rights (SECURITY DEFINER), and
-- 0003 gave them the search_path of the migration (SET search_path FROM
-- CURRENT). That path did not name pg_temp, so PostgreSQL searched the
-- caller's temporary schema first: a role that may only write users or
-- recipient lists could create a temporary table campaign_tally_dirty with
-- a trigger of its own, and run any statement with the owner's rights (or
-- merely swallow the dirty note that keeps campaign check exact).
--
-- Each function that runs with its owner's rights now fixes search_path to
-- the schema with pg_temp last, and names every table and function with its
-- schema, so nothing a caller creates can stand in. The schema is the one
-- the migrations run in (current_schema()), which is where 0001 made the
-- tables. CREATE OR REPLACE keeps the triggers bound to the functions.
DO $migration$
DECLARE
    s text := pg_catalog.quote_ident(pg_catalog.current_schema());
BEGIN
    EXECUTE pg_catalog.format($fn$
CREATE OR REPLACE FUNCTION %1$s.campaign_tally_dirty() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO %1$s.campaign_tally_dirty (org_id, xact)
        VALUES (OLD.org_id, pg_catalog.pg_current_xact_id()) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO %1$s.campaign_tally_dirty (org_id, xact)
        VALUES (NEW.org_id, pg_catalog.pg_current_xact_id()) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE OR REPLACE FUNCTION %1$s.campaign_tally_truncate() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS $body$
BEGIN
    INSERT INTO %1$s.campaign_tally_dirty (org_id, xact)
    SELECT id, pg_catalog.pg_current_xact_id() FROM %1$s.orgs ON CONFLICT DO NOTHING;
    RETURN NULL;
END $body$
$fn$, s);

    -- Not SECURITY DEFINER (it runs with inboxctl's rights), but fixed the
    -- same way so that no session's search_path changes what it folds.
    EXECUTE pg_catalog.format($fn$
CREATE OR REPLACE FUNCTION %1$s.campaign_tally_compact(org bigint) RETURNS void LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF NOT pg_catalog.pg_try_advisory_xact_lock(1651076197, (org %% 2147483647)::integer) THEN
        RETURN;
    END IF;
    WITH folded AS (DELETE FROM %1$s.campaign_tallies WHERE org_id = org RETURNING campaign_id, pending, offenders)
    INSERT INTO %1$s.campaign_tallies (org_id, campaign_id, pending, offenders)
    SELECT org, campaign_id, pg_catalog.sum(pending), pg_catalog.sum(offenders) FROM folded
    GROUP BY campaign_id HAVING pg_catalog.sum(pending) <> 0 OR pg_catalog.sum(offenders) <> 0;
    WITH folded AS (DELETE FROM %1$s.spam_user_tallies WHERE org_id = org RETURNING users)
    INSERT INTO %1$s.spam_user_tallies (org_id, users)
    SELECT org, pg_catalog.sum(users) FROM folded HAVING pg_catalog.sum(users) <> 0;
END $body$
$fn$, s);
END
$migration$;
