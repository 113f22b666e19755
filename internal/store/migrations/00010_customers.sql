-- +goose Up
-- One profile per customer. A merged-away profile keeps its row with
-- merged_into set, so old ids still lead to the survivor.
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    created_at    BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    merged_into   TEXT,
    name          TEXT NOT NULL DEFAULT '',
    name_lc       TEXT NOT NULL DEFAULT '', -- lower-cased name, for prefix search
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    channels      TEXT NOT NULL DEFAULT '' -- comma-separated channels seen
);
CREATE INDEX customers_email ON customers(email) WHERE email <> '';
CREATE INDEX customers_phone ON customers(phone) WHERE phone <> '';
CREATE INDEX customers_name_lc ON customers(name_lc) WHERE name_lc <> '';

-- Every identifier seen, owned by exactly one live customer.
CREATE TABLE identities (
    type          TEXT NOT NULL,
    value         TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (type, value)
);
CREATE INDEX identities_customer ON identities(customer_id);

-- Traits: the latest value of each key wins, with where it came from.
CREATE TABLE customer_traits (
    customer_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL, -- JSON
    source      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (customer_id, key)
);

-- Consent per channel and purpose.
CREATE TABLE customer_consent (
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    granted     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (customer_id, channel, purpose)
);

-- The merge log.
CREATE TABLE customer_merges (
    id          TEXT PRIMARY KEY,
    survivor_id TEXT NOT NULL,
    merged_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    identifiers TEXT NOT NULL, -- JSON: the identifiers that joined the profiles
    channel     TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id);
CREATE INDEX customer_merges_merged ON customer_merges(merged_id);

-- The cross-channel timeline: every interaction on every channel. The id is
-- derived from the source and the client's messageId, so a retried event is
-- stored once.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    message_id  TEXT NOT NULL,
    ts          BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payload     TEXT NOT NULL -- JSON: the event as received, with corrected timestamps
);
CREATE INDEX events_customer_ts ON events(customer_id, ts, id);

-- +goose Down
DROP TABLE events;
DROP TABLE customer_merges;
DROP TABLE customer_consent;
DROP TABLE customer_traits;
DROP TABLE identities;
DROP TABLE customers;
