-- inboxctl schema. org_id leads every primary key, unique key and index so the
-- tables can later be distributed by org without a rewrite. Foreign keys are
-- kept on the small tables only: on the bulk tables (users, chats, events,
-- recipients) each costs ~0.7 s per 100,000 rows, and inboxctl writes them
-- set-based from rows it has just read in the same transaction.

CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
    org_id      bigint NOT NULL REFERENCES orgs (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    email       text NOT NULL,
    access      text NOT NULL CHECK (access IN ('all', 'assigned')),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'teammate')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, email)
);

-- A user is a customer. traits holds string values only; the trait
-- "Marked as Spam" mirrors the spam flag and is written by mark/unmark only.
CREATE TABLE users (
    org_id          bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    phone           text COLLATE "C" NOT NULL,
    name            text NOT NULL DEFAULT '',
    traits          jsonb NOT NULL DEFAULT '{}',
    spam            boolean NOT NULL DEFAULT false,
    spam_marked_by  bigint,
    spam_marked_at  timestamptz,
    spam_reason     text,
    spam_batch_id   bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, phone)
);
CREATE INDEX users_spam ON users (org_id, id) WHERE spam;
CREATE INDEX users_spam_batch ON users (org_id, spam_batch_id, id) WHERE spam;
CREATE INDEX users_traits ON users USING gin (org_id, traits jsonb_path_ops);

CREATE TABLE labels (
    org_id      bigint NOT NULL REFERENCES orgs (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

-- One chat per user, keyed by the user's id. folder is the stored folder
-- ('inbox' or 'spam'), changed in the same transaction as a mark; the
-- all/you/unassigned views are the inbox told apart by assignee_id.
-- activity_at is the last message's time, else the creation time.
CREATE TABLE chats (
    org_id           bigint NOT NULL,
    user_id          bigint NOT NULL,
    folder           text NOT NULL DEFAULT 'inbox' CHECK (folder IN ('inbox', 'spam')),
    assignee_id      bigint,
    label_id         bigint,
    spam_marked_by   bigint,
    activity_at      timestamptz NOT NULL DEFAULT now(),
    last_message_at  timestamptz,
    last_message     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX chats_folder ON chats (org_id, folder, activity_at DESC, user_id DESC);
CREATE INDEX chats_assignee_folder ON chats (org_id, assignee_id, folder, activity_at DESC, user_id DESC);
CREATE INDEX chats_spam_marked_by ON chats (org_id, spam_marked_by, activity_at DESC, user_id DESC) WHERE folder = 'spam';
CREATE INDEX chats_label_folder ON chats (org_id, label_id, folder, activity_at DESC, user_id DESC) WHERE label_id IS NOT NULL;

CREATE TABLE messages (
    org_id      bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    user_id     bigint NOT NULL,
    direction   text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    agent_id    bigint,
    text        text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX messages_chat ON messages (org_id, user_id, id);

CREATE TABLE spam_batches (
    org_id      bigint NOT NULL REFERENCES orgs (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    action      text NOT NULL CHECK (action IN ('mark', 'unmark')),
    actor_id    bigint NOT NULL,
    reason      text,
    requested   bigint NOT NULL DEFAULT 0,
    changed     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

CREATE TABLE chat_events (
    org_id      bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    user_id     bigint NOT NULL,
    event       text NOT NULL CHECK (event IN ('marked_spam', 'unmarked_spam', 'assigned', 'unassigned', 'labelled', 'unlabelled')),
    actor_id    bigint,
    at          timestamptz NOT NULL DEFAULT now(),
    reason      text,
    batch_id    bigint,
    detail      text,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX chat_events_chat ON chat_events (org_id, user_id, id);

CREATE TABLE notifications (
    org_id      bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    agent_id    bigint NOT NULL,
    user_id     bigint NOT NULL,
    message_id  bigint NOT NULL,
    text        text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);
CREATE INDEX notifications_agent ON notifications (org_id, agent_id, id DESC);

-- segment is a JSON object of trait filters, AND-ed: traits @> segment.
CREATE TABLE campaigns (
    org_id        bigint NOT NULL REFERENCES orgs (id),
    id            bigint GENERATED ALWAYS AS IDENTITY,
    name          text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('one-time', 'ongoing')),
    segment       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    scheduled_at  timestamptz,
    last_run_at   timestamptz,
    runs          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

-- A one-time campaign's list has run 0; an ongoing campaign records its
-- sent entries under each run's number.
CREATE TABLE campaign_recipients (
    org_id       bigint NOT NULL,
    campaign_id  bigint NOT NULL,
    run          integer NOT NULL DEFAULT 0,
    user_id      bigint NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'sent', 'excluded')),
    reason       text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, campaign_id, run, user_id)
);
CREATE INDEX campaign_recipients_open ON campaign_recipients (org_id, user_id) WHERE status <> 'sent';
