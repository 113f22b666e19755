-- +goose Up
-- Promotions as the promo engine reads them (definition is its JSON), with
-- the columns the store needs to enforce codes and usage limits.
CREATE TABLE promotions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    code        TEXT UNIQUE,           -- upper-cased; NULL for automatic promotions
    definition  TEXT NOT NULL,         -- JSON promo.Promotion
    active      INTEGER NOT NULL DEFAULT 1,
    usage_limit BIGINT NOT NULL DEFAULT 0, -- 0: unlimited
    usage_count BIGINT NOT NULL DEFAULT 0,
    ends_at     BIGINT,                -- copied from the conditions, for wallet expiry
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK (usage_limit = 0 OR usage_count <= usage_limit)
);
CREATE INDEX promotions_limited ON promotions(id) WHERE usage_limit > 0 AND active = 1;

-- One row per order that used a promotion; released when the order is cancelled.
CREATE TABLE promotion_uses (
    promotion_id TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    PRIMARY KEY (promotion_id, order_id)
);
CREATE INDEX promotion_uses_customer ON promotion_uses(customer_id);
CREATE INDEX promotion_uses_order ON promotion_uses(order_id);

-- The promotion wallet: promotions a customer met on some channel, applied to
-- their cart on every channel until used or expired.
CREATE TABLE customer_promotions (
    customer_id  TEXT NOT NULL,
    promotion_id TEXT NOT NULL,
    code         TEXT NOT NULL,
    channel      TEXT NOT NULL, -- where the customer met it
    source       TEXT NOT NULL, -- ad_click, email_link, landing_url, pos, agent, storefront…
    attached_at  BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    used_order   TEXT,
    PRIMARY KEY (customer_id, promotion_id)
);

-- +goose Down
DROP TABLE customer_promotions;
DROP TABLE promotion_uses;
DROP TABLE promotions;
