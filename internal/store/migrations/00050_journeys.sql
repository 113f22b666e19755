-- +goose Up
-- Journeys: automatic messages that follow what a customer did on any
-- channel (a cart left with items, a product viewed and not added). A
-- deleted journey keeps its row (deleted_at set) so that its messages still
-- count towards customers' frequency caps and its results stay readable.
CREATE TABLE journeys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,              -- abandoned_cart, browse_abandonment
    wait_ms      BIGINT NOT NULL,            -- quiet time after the last change before the message
    subject      TEXT NOT NULL DEFAULT '',   -- text/template of the email subject
    template     TEXT NOT NULL,              -- text/template of the message
    enabled      INTEGER NOT NULL DEFAULT 0,
    channels     TEXT NOT NULL DEFAULT '',   -- comma-separated; '' = the customer's preferred consented channel
    cap_messages INTEGER NOT NULL,           -- at most this many journey messages per customer…
    cap_days     INTEGER NOT NULL,           -- …in this many days, across all journeys
    quiet_start  TEXT NOT NULL DEFAULT '',   -- HH:MM; no messages from quiet_start to quiet_end
    quiet_end    TEXT NOT NULL DEFAULT '',
    time_zone    TEXT NOT NULL DEFAULT 'UTC',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    deleted_at   BIGINT
);
CREATE INDEX journeys_kind ON journeys(kind, enabled);

-- One customer's passage through a journey. A waiting enrolment's due_at
-- moves with every change (last change + wait); processing moves it to
-- sent, skipped or failed in the transaction that queues the message, so a
-- retried job never sends twice. A customer has at most one waiting
-- enrolment per journey.
CREATE TABLE journey_enrolments (
    id             TEXT PRIMARY KEY,
    journey_id     TEXT NOT NULL REFERENCES journeys(id),
    customer_id    TEXT NOT NULL,
    state          TEXT NOT NULL,            -- waiting, sent, skipped, failed
    reason         TEXT NOT NULL DEFAULT '', -- why skipped or failed
    subject_id     TEXT NOT NULL DEFAULT '', -- the cart, or the product viewed
    detail         TEXT NOT NULL DEFAULT '{}', -- JSON: what the message is about (the product viewed)
    last_change_at BIGINT NOT NULL,
    due_at         BIGINT NOT NULL,
    enrolled_at    BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    message_id     TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL DEFAULT '',
    sent_at        BIGINT,
    order_id       TEXT NOT NULL DEFAULT '', -- the order the message converted into
    converted_at   BIGINT,
    revenue        BIGINT NOT NULL DEFAULT 0, -- minor units of currency
    currency       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX journey_enrolments_waiting ON journey_enrolments(journey_id, customer_id) WHERE state = 'waiting';
CREATE INDEX journey_enrolments_due ON journey_enrolments(due_at) WHERE state = 'waiting';
CREATE INDEX journey_enrolments_journey ON journey_enrolments(journey_id, enrolled_at, id);
CREATE INDEX journey_enrolments_customer ON journey_enrolments(customer_id, sent_at);

-- +goose Down
DROP TABLE journey_enrolments;
DROP TABLE journeys;
