-- +goose Up
-- Settings of the messaging channels and marketplaces, saved from the
-- dashboard (package internal/channel/settings): one row per channel and
-- field. A secret is sealed with AES-256-GCM (sealed = 1, value is base64 of
-- nonce and ciphertext) when Omni has a secret key, else stored as given
-- (sealed = 0). Flags and environment variables win over these rows.
CREATE TABLE channel_settings (
    channel    TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    sealed     INTEGER NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel, name)
);

-- +goose Down
DROP TABLE channel_settings;
