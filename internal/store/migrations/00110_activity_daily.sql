-- +goose Up
-- Events received per UTC day, channel and source, kept by the event writer
-- in the transaction that stores the events: the dashboard's activity
-- figures read a few rows per day instead of counting the event log, and the
-- log needs no indexes by channel and source on every insert.
CREATE TABLE activity_daily (
    day              BIGINT NOT NULL, -- Unix ms of the UTC day's start (received_at)
    channel          TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    events           BIGINT NOT NULL,
    last_received_at BIGINT NOT NULL,
    PRIMARY KEY (day, channel, source_id)
);
INSERT INTO activity_daily (day, channel, source_id, events, last_received_at)
SELECT (received_at / 86400000) * 86400000, channel, source_id, COUNT(*), MAX(received_at)
FROM events GROUP BY (received_at / 86400000) * 86400000, channel, source_id;
DROP INDEX events_channel_received;
DROP INDEX events_source_received;

-- +goose Down
CREATE INDEX events_channel_received ON events(channel, received_at);
CREATE INDEX events_source_received ON events(source_id, received_at);
DROP TABLE activity_daily;
