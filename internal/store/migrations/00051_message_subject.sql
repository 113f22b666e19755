-- +goose Up
-- An automatic message (a journey's email) may carry a subject of its own.
ALTER TABLE messages ADD COLUMN subject TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN subject;
