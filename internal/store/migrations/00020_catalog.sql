-- +goose Up
-- Products and their variants. Prices are integer minor units with an ISO
-- 4217 currency; a variant without SKU keeps sku NULL so that SKUs stay unique.
CREATE TABLE products (
    id           TEXT PRIMARY KEY,
    handle       TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    vendor       TEXT NOT NULL DEFAULT '',
    product_type TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '',   -- comma-separated
    options      TEXT NOT NULL DEFAULT '[]', -- JSON array of option names
    status       TEXT NOT NULL,              -- active, draft, archived
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX products_status ON products(status, id);

CREATE TABLE variants (
    id               TEXT PRIMARY KEY,
    product_id       TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    sku              TEXT UNIQUE,
    barcode          TEXT NOT NULL DEFAULT '',
    title            TEXT NOT NULL,
    option_values    TEXT NOT NULL DEFAULT '[]', -- JSON array, in the product's option order
    price            BIGINT NOT NULL CHECK (price >= 0),
    compare_at_price BIGINT NOT NULL DEFAULT 0,
    currency         TEXT NOT NULL,
    position         INTEGER NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX variants_product ON variants(product_id, position);
CREATE INDEX variants_barcode ON variants(barcode) WHERE barcode <> '';

-- A channel's own price for a variant; without a row the variant's price holds.
CREATE TABLE variant_channel_prices (
    variant_id TEXT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    price      BIGINT NOT NULL CHECK (price >= 0),
    PRIMARY KEY (variant_id, channel)
);

-- The channels a product is sold on. No rows: every channel.
CREATE TABLE product_channels (
    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    channel    TEXT NOT NULL,
    PRIMARY KEY (product_id, channel)
);

CREATE TABLE product_images (
    id         TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    variant_id TEXT,
    url        TEXT NOT NULL,
    alt        TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL
);
CREATE INDEX product_images_product ON product_images(product_id, position);

CREATE TABLE collections (
    id          TEXT PRIMARY KEY,
    handle      TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE collection_products (
    collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    product_id    TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    PRIMARY KEY (collection_id, product_id)
);
CREATE INDEX collection_products_product ON collection_products(product_id);

-- +goose Down
DROP TABLE collection_products;
DROP TABLE collections;
DROP TABLE product_images;
DROP TABLE product_channels;
DROP TABLE variant_channel_prices;
DROP TABLE variants;
DROP TABLE products;
