-- The database guards the spam rules for every writer, not only for
-- inboxctl (README "Who may do what"): a sender service, the inbox's webhook
-- or psql.
--   rule 3: a spam user's chat takes no assignee or label change and no
--           outbound message;
--   rule 4: the spam flag, the "Marked as Spam" trait and the chat's stored
--           spam state change only through mark and unmark, which say so
--           with SET LOCAL inboxctl.spam_write = 'on' (store.SpamWriteSQL);
--   rule 5: a recipient entry written as pending for a spam user is stored
--           excluded (reason spam), so a bulk writer's job goes on;
--   rule 6: a notification for a spam user's message is not stored.
-- The refusals raise SQLSTATE IX003 / IX004 with a sentence naming the rule.
-- The functions run with their owner's rights (a writer may have no right
-- to read users), so search_path is fixed to the schema with pg_temp last
-- and every name is qualified (as 0004 does).
DO $migration$
DECLARE
    s text := pg_catalog.quote_ident(pg_catalog.current_schema());
BEGIN
    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_spam_write() RETURNS boolean LANGUAGE sql STABLE
    SET search_path = %1$s, pg_temp AS
$body$ SELECT pg_catalog.current_setting('inboxctl.spam_write', true) IS NOT DISTINCT FROM 'on' $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_user_is_spam(org bigint, usr bigint) RETURNS boolean LANGUAGE sql STABLE
    SECURITY DEFINER SET search_path = %1$s, pg_temp AS
$body$ SELECT EXISTS (SELECT 1 FROM %1$s.users u WHERE u.org_id = org AND u.id = usr AND u.spam) $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_guard_users() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF NOT %1$s.rule_spam_write() THEN
        RAISE EXCEPTION USING ERRCODE = 'IX004',
            MESSAGE = pg_catalog.format('Rule 4: the spam flag and the "Marked as Spam" trait of user %%s change only through inboxctl spam mark and unmark', NEW.id);
    END IF;
    RETURN NEW;
END $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_guard_chats() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF (NEW.folder IS DISTINCT FROM OLD.folder OR NEW.spam_marked_by IS DISTINCT FROM OLD.spam_marked_by)
       AND NOT %1$s.rule_spam_write() THEN
        RAISE EXCEPTION USING ERRCODE = 'IX004',
            MESSAGE = pg_catalog.format('Rule 4: the spam state of the chat of user %%s changes only through inboxctl spam mark and unmark', OLD.user_id);
    END IF;
    IF (NEW.assignee_id IS DISTINCT FROM OLD.assignee_id OR NEW.label_id IS DISTINCT FROM OLD.label_id)
       AND (OLD.folder = 'spam' OR %1$s.rule_user_is_spam(OLD.org_id, OLD.user_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'IX003',
            MESSAGE = pg_catalog.format('Rule 3: the chat of user %%s is frozen while the user is marked as spam: no assignment or label change (unmark the user first)', OLD.user_id);
    END IF;
    RETURN NEW;
END $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_guard_messages() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF %1$s.rule_user_is_spam(NEW.org_id, NEW.user_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'IX003',
            MESSAGE = pg_catalog.format('Rule 3: user %%s is marked as spam: no message may be sent to them (unmark the user first)', NEW.user_id);
    END IF;
    RETURN NEW;
END $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_guard_recipients() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF %1$s.rule_user_is_spam(NEW.org_id, NEW.user_id) THEN
        NEW.status := 'excluded';
        NEW.reason := 'spam';
    END IF;
    RETURN NEW;
END $body$
$fn$, s);

    EXECUTE pg_catalog.format($fn$
CREATE FUNCTION %1$s.rule_guard_notifications() RETURNS trigger LANGUAGE plpgsql
    SET search_path = %1$s, pg_temp AS $body$
BEGIN
    IF %1$s.rule_user_is_spam(NEW.org_id, NEW.user_id) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $body$
$fn$, s);

    -- Each trigger fires only for the rows its rule is about, so inboxctl's
    -- bulk statements (a mark's flag and folder writes say spam_write) pay
    -- one cheap WHEN per row.
    EXECUTE pg_catalog.format($t$
CREATE TRIGGER rule_guard_users_insert BEFORE INSERT ON %1$s.users FOR EACH ROW
    WHEN (NEW.spam OR NEW.traits OPERATOR(pg_catalog.?) 'Marked as Spam')
    EXECUTE FUNCTION %1$s.rule_guard_users()
$t$, s);
    EXECUTE pg_catalog.format($t$
CREATE TRIGGER rule_guard_users_update BEFORE UPDATE ON %1$s.users FOR EACH ROW
    WHEN (NEW.spam IS DISTINCT FROM OLD.spam
          OR (NEW.traits OPERATOR(pg_catalog.->) 'Marked as Spam') IS DISTINCT FROM (OLD.traits OPERATOR(pg_catalog.->) 'Marked as Spam'))
    EXECUTE FUNCTION %1$s.rule_guard_users()
$t$, s);
    EXECUTE pg_catalog.format($t$
CREATE TRIGGER rule_guard_chats BEFORE UPDATE ON %1$s.chats FOR EACH ROW
    WHEN (NEW.assignee_id IS DISTINCT FROM OLD.assignee_id OR NEW.label_id IS DISTINCT FROM OLD.label_id
          OR NEW.folder IS DISTINCT FROM OLD.folder OR NEW.spam_marked_by IS DISTINCT FROM OLD.spam_marked_by)
    EXECUTE FUNCTION %1$s.rule_guard_chats()
$t$, s);
    EXECUTE pg_catalog.format($t$
CREATE TRIGGER rule_guard_messages BEFORE INSERT ON %1$s.messages FOR EACH ROW
    WHEN (NEW.direction = 'outbound')
    EXECUTE FUNCTION %1$s.rule_guard_messages()
$t$, s);
    -- inboxctl's own list writers (schedule, run, mark, unmark) keep rule 5
    -- themselves under the campaign-lists lock and say so (inboxctl.tallied).
    EXECUTE pg_catalog.format($t$
CREATE TRIGGER rule_guard_recipients BEFORE INSERT OR UPDATE ON %1$s.campaign_recipients FOR EACH ROW
    WHEN (NEW.status = 'pending' AND %1$s.campaign_tally_untallied())
    EXECUTE FUNCTION %1$s.rule_guard_recipients()
$t$, s);
    EXECUTE pg_catalog.format($t$
CREATE TRIGGER rule_guard_notifications BEFORE INSERT ON %1$s.notifications FOR EACH ROW
    EXECUTE FUNCTION %1$s.rule_guard_notifications()
$t$, s);
END
$migration$;
