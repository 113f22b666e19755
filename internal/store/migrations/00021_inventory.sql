-- +goose Up
-- Places that hold stock: warehouses and shops.
CREATE TABLE locations (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,              -- warehouse or shop
    address        TEXT NOT NULL DEFAULT '{}', -- JSON: line1, line2, city, region, postal_code, country
    opening_hours  TEXT NOT NULL DEFAULT '[]', -- JSON: [{day, opens, closes}]
    pickup_enabled INTEGER NOT NULL DEFAULT 0,
    ships          INTEGER NOT NULL DEFAULT 1, -- ships online orders
    priority       INTEGER NOT NULL DEFAULT 0, -- lower ships first
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Stock of a variant at a location. Available to sell = on_hand - reserved;
-- the checks make overselling impossible even for a faulty caller.
CREATE TABLE stock (
    variant_id  TEXT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    on_hand     BIGINT NOT NULL DEFAULT 0,
    reserved    BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (variant_id, location_id),
    CHECK (reserved >= 0),
    CHECK (on_hand >= reserved)
);
CREATE INDEX stock_location ON stock(location_id);

-- Units held for an order (checkout, pickup) until it is fulfilled
-- (consumed), cancelled or expires (released).
CREATE TABLE reservations (
    id          TEXT PRIMARY KEY,
    ref         TEXT NOT NULL, -- what holds the units, e.g. an order id
    variant_id  TEXT NOT NULL,
    location_id TEXT NOT NULL,
    quantity    BIGINT NOT NULL CHECK (quantity > 0),
    status      TEXT NOT NULL, -- active, consumed, released
    expires_at  BIGINT,        -- NULL: held until fulfilled or cancelled
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX reservations_ref ON reservations(ref);
CREATE INDEX reservations_expiry ON reservations(status, expires_at);

-- The stock ledger: every change of on_hand or reserved with its reason.
CREATE TABLE stock_movements (
    id             TEXT PRIMARY KEY,
    variant_id     TEXT NOT NULL,
    location_id    TEXT NOT NULL,
    on_hand_delta  BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    reason         TEXT NOT NULL, -- set, adjust, reserve, release, consume, restock, sale
    ref            TEXT NOT NULL DEFAULT '',
    at             BIGINT NOT NULL
);
CREATE INDEX stock_movements_variant ON stock_movements(variant_id, at);

-- +goose Down
DROP TABLE stock_movements;
DROP TABLE reservations;
DROP TABLE stock;
DROP TABLE locations;
