-- +goose Up
-- One active cart per customer profile, shared by every channel. A cart that
-- became an order is "ordered"; one folded into another by a profile merge is
-- "merged".
CREATE TABLE carts (
    id              TEXT PRIMARY KEY,
    customer_id     TEXT NOT NULL,
    status          TEXT NOT NULL, -- active, ordered, merged
    currency        TEXT NOT NULL DEFAULT '',
    created_channel TEXT NOT NULL,
    updated_channel TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX carts_active_customer ON carts(customer_id) WHERE status = 'active';
CREATE INDEX carts_customer ON carts(customer_id, created_at);

-- One line per variant; prices are not stored: a cart shows the current
-- price of the channel it is viewed on.
CREATE TABLE cart_lines (
    cart_id         TEXT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    variant_id      TEXT NOT NULL,
    quantity        BIGINT NOT NULL CHECK (quantity > 0),
    added_channel   TEXT NOT NULL,
    updated_channel TEXT NOT NULL,
    added_at        BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (cart_id, variant_id)
);

-- Promotion codes entered on a cart, on any channel.
CREATE TABLE cart_codes (
    cart_id  TEXT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    code     TEXT NOT NULL, -- upper-cased
    channel  TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (cart_id, code)
);

-- +goose Down
DROP TABLE cart_codes;
DROP TABLE cart_lines;
DROP TABLE carts;
