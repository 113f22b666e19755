-- +goose Up
-- Orders from every channel. Amounts are minor units of currency; the lines
-- keep a copy of what was bought, so catalog changes never rewrite history.
CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL DEFAULT '', -- '' for an anonymous in-store sale
    cart_id          TEXT NOT NULL DEFAULT '',
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL, -- pending_payment, paid, ready_for_pickup, shipped, picked_up, cancelled, refunded
    payment_status   TEXT NOT NULL, -- pending, failed, paid, partially_refunded, refunded, voided
    fulfillment      TEXT NOT NULL, -- shipping, pickup, in_store
    location_id      TEXT NOT NULL DEFAULT '', -- pickup shop or store of an in-store sale
    currency         TEXT NOT NULL,
    subtotal         BIGINT NOT NULL,
    discount         BIGINT NOT NULL,
    shipping         BIGINT NOT NULL,
    tax              BIGINT NOT NULL,
    total            BIGINT NOT NULL,
    refunded         BIGINT NOT NULL DEFAULT 0,
    tax_region       TEXT NOT NULL DEFAULT '',
    shipping_address TEXT NOT NULL DEFAULT '{}', -- JSON
    email            TEXT NOT NULL DEFAULT '',
    payment_provider TEXT NOT NULL,
    promotions       TEXT NOT NULL DEFAULT '[]', -- JSON: the promotions applied
    idempotency_key  TEXT,
    request_hash     TEXT NOT NULL DEFAULT '',
    expires_at       BIGINT, -- an unpaid order is cancelled after this
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    paid_at          BIGINT,
    UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX orders_customer ON orders(customer_id, created_at);
CREATE INDEX orders_status ON orders(status, created_at);
CREATE INDEX orders_location ON orders(location_id, status);

CREATE TABLE order_lines (
    id                TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    variant_id        TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    sku               TEXT NOT NULL,
    title             TEXT NOT NULL,
    quantity          BIGINT NOT NULL CHECK (quantity > 0),
    unit_price        BIGINT NOT NULL,
    subtotal          BIGINT NOT NULL,
    discount          BIGINT NOT NULL,
    tax_rate          BIGINT NOT NULL, -- basis points
    tax               BIGINT NOT NULL,
    total             BIGINT NOT NULL, -- subtotal - discount + tax
    returned_quantity BIGINT NOT NULL DEFAULT 0,
    refunded          BIGINT NOT NULL DEFAULT 0,
    adjustments       TEXT NOT NULL DEFAULT '[]', -- JSON: which promotion took what, and why
    CHECK (returned_quantity >= 0 AND returned_quantity <= quantity)
);
CREATE INDEX order_lines_order ON order_lines(order_id, position);

-- Every status change, with the channel it came from.
CREATE TABLE order_events (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events(order_id, at);

-- Calls to payment providers: one row per attempt, capture, cancel or refund.
-- The idempotency key is sent to the provider, so a retried call never
-- charges twice.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    order_id        TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL, -- charge, capture, cancel, refund
    provider        TEXT NOT NULL,
    method          TEXT NOT NULL DEFAULT '',
    provider_ref    TEXT NOT NULL DEFAULT '',
    amount          BIGINT NOT NULL,
    status          TEXT NOT NULL, -- started, succeeded, pending, requires_action, declined, failed
    idempotency_key TEXT NOT NULL UNIQUE,
    message         TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX payments_order ON payments(order_id, created_at);

CREATE TABLE order_returns (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders(id),
    location_id   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    refund_amount BIGINT NOT NULL,
    payment_id    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX order_returns_order ON order_returns(order_id);

CREATE TABLE order_return_lines (
    return_id     TEXT NOT NULL REFERENCES order_returns(id) ON DELETE CASCADE,
    order_line_id TEXT NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    refund_amount BIGINT NOT NULL,
    PRIMARY KEY (return_id, order_line_id)
);

-- Sales tax by region: "FR", "US-CA". Rates are basis points (2000 = 20%).
CREATE TABLE tax_rates (
    region     TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    rate       BIGINT NOT NULL CHECK (rate >= 0 AND rate <= 10000),
    updated_at BIGINT NOT NULL
);

-- Flat shipping charges by region ('' matches every region) and currency.
CREATE TABLE shipping_rates (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL DEFAULT '',
    currency   TEXT NOT NULL,
    amount     BIGINT NOT NULL CHECK (amount >= 0),
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE shipping_rates;
DROP TABLE tax_rates;
DROP TABLE order_return_lines;
DROP TABLE order_returns;
DROP TABLE payments;
DROP TABLE order_events;
DROP TABLE order_lines;
DROP TABLE orders;
