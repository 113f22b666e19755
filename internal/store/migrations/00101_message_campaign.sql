-- +goose Up
-- A marketing message names the campaign it belongs to, so that agents see
-- it in the conversation and the customer's timeline records it.
ALTER TABLE messages ADD COLUMN campaign TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN campaign;
