-- +goose Up
-- When an outbound message last met a delivery error, and indexes that let
-- the Channels page find each channel's latest failure and latest message
-- received without scanning the messages.
ALTER TABLE messages ADD COLUMN error_at BIGINT;
CREATE INDEX messages_channel_errors ON messages(channel, error_at) WHERE error_at IS NOT NULL;
CREATE INDEX messages_channel_direction ON messages(channel, direction, created_at);

-- +goose Down
DROP INDEX messages_channel_direction;
DROP INDEX messages_channel_errors;
ALTER TABLE messages DROP COLUMN error_at;
