-- +goose Up
-- Analytics kept current on ingest, in the transaction that stores events.

-- Daily rollups per UTC day (days since 1970-01-01), channel, event name and
-- currency ('' for events without money). orders and amount_minor count an
-- order the first time its order_id is seen (Order Completed) and refunds
-- with their amount (Order Refunded).
CREATE TABLE analytics_daily (
    day          INTEGER NOT NULL,
    channel      TEXT NOT NULL,
    name         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    events       BIGINT NOT NULL,
    orders       BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (day, channel, name, currency)
);

-- Every order seen once, so that a storefront's "Order Completed" and
-- Omni's own order event for the same order_id count once, and refunds are
-- capped by the order's total.
CREATE TABLE analytics_orders (
    order_id       TEXT PRIMARY KEY,
    day            INTEGER NOT NULL,
    channel        TEXT NOT NULL,
    currency       TEXT NOT NULL,
    total_minor    BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL
);

-- A dense ordinal per customer (its position in the customer sets) and the
-- days the customer was active, for moving set members on merges.
CREATE TABLE analytics_customers (
    customer_id     TEXT PRIMARY KEY,
    n               BIGINT NOT NULL UNIQUE,
    first_day       INTEGER NOT NULL,
    last_day        INTEGER NOT NULL,
    first_order_day INTEGER
);

CREATE TABLE analytics_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO analytics_counters (name, value) VALUES ('customer_ordinal', 0);

-- Customer sets per day ("visit", "visit:web", "view", "buy:app",
-- "first_buy"…) in chunks of 65,536 ordinals, encoded as sorted 16-bit
-- arrays or 8 KiB bitmaps. BYTEA is PostgreSQL's binary type; SQLite keeps
-- the blob as is under any declared type.
CREATE TABLE analytics_sets (
    day   INTEGER NOT NULL,
    name  TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    bits  BYTEA NOT NULL,
    PRIMARY KEY (day, name, chunk)
);
CREATE INDEX analytics_sets_chunk ON analytics_sets(chunk, day);

-- A version per day, bumped by every write to the day's sets, so that nodes
-- can keep sets in memory and know when they changed.
CREATE TABLE analytics_set_days (
    day     INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);

-- +goose Down
DROP TABLE analytics_set_days;
DROP TABLE analytics_sets;
DROP TABLE analytics_counters;
DROP TABLE analytics_customers;
DROP TABLE analytics_orders;
DROP TABLE analytics_daily;
