-- +goose Up
-- Indexes for summaries of the event log: events per channel over a period,
-- the last event of each channel and source, customers new in a period.
CREATE INDEX events_channel_received ON events(channel, received_at);
CREATE INDEX events_source_received ON events(source_id, received_at);
CREATE INDEX customers_created ON customers(created_at, merged_into);

-- +goose Down
DROP INDEX customers_created;
DROP INDEX events_source_received;
DROP INDEX events_channel_received;
