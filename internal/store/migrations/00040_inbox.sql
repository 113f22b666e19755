-- +goose Up
-- The service record: conversations with a customer across every channel.
-- A customer has at most one conversation that is open or snoozed; a new
-- message on any channel joins it. A conversation folded into another by a
-- profile merge keeps its row with merged_into set, so old ids still lead to
-- the survivor.
CREATE TABLE conversations (
    id                TEXT PRIMARY KEY,
    customer_id       TEXT NOT NULL,
    status            TEXT NOT NULL,            -- open, snoozed, resolved
    assignee          TEXT NOT NULL DEFAULT '',
    labels            TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
    subject           TEXT NOT NULL DEFAULT '',
    last_channel      TEXT NOT NULL DEFAULT '', -- the channel the customer wrote on last
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    last_message_at   BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at       BIGINT,
    snoozed_until     BIGINT,
    merged_into       TEXT
);
CREATE UNIQUE INDEX conversations_one_open ON conversations(customer_id) WHERE status IN ('open', 'snoozed');
CREATE INDEX conversations_customer ON conversations(customer_id, last_message_at);
CREATE INDEX conversations_recent ON conversations(last_message_at, id);
CREATE INDEX conversations_status ON conversations(status, last_message_at, id);
CREATE INDEX conversations_assignee ON conversations(assignee, last_message_at, id);

-- Messages in, out and internal notes. external_id is the platform's id of
-- the message (Messenger mid, Twilio MessageSid, email Message-ID, the web
-- chat's client id), unique per channel so that a replayed webhook is stored
-- once; NULL when there is none.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    direction       TEXT NOT NULL,            -- in, out, note
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL DEFAULT '', -- sender (in) or recipient (out) on the channel
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]', -- JSON: metadata only
    external_id     TEXT,
    author          TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT '', -- why an automatic message was sent
    state           TEXT NOT NULL,            -- received, queued, sending, sent, delivered, failed
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    delivered_at    BIGINT
);
CREATE UNIQUE INDEX messages_external ON messages(channel, external_id);
CREATE INDEX messages_conversation ON messages(conversation_id, created_at, id);
CREATE INDEX messages_address ON messages(channel, address, created_at);
CREATE INDEX messages_customer ON messages(customer_id, channel, direction, created_at);

-- Agents known to the inbox: who is online for round-robin assignment.
CREATE TABLE inbox_agents (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    available        INTEGER NOT NULL DEFAULT 1,
    seen_at          BIGINT NOT NULL,
    last_assigned_at BIGINT NOT NULL DEFAULT 0
);

-- Keys the inbox generates for itself (the hand-off token key).
CREATE TABLE inbox_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE inbox_keys;
DROP TABLE inbox_agents;
DROP TABLE messages;
DROP TABLE conversations;
