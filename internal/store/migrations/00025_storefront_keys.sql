-- +goose Up
-- Publishable keys of storefronts and apps calling /store/v1. The key is
-- public by design (it ships inside web pages and apps); the signing secret
-- stays on the merchant's server, which signs customer tokens with it after
-- its own login, and is shown once.
CREATE TABLE storefront_keys (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    channel        TEXT NOT NULL, -- web or app
    publishable    TEXT NOT NULL UNIQUE,
    signing_secret TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    disabled_at    BIGINT
);

-- +goose Down
DROP TABLE storefront_keys;
