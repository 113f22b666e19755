-- +goose Up
-- Campaigns: one-off broadcasts of a marketer's message to a segment on one
-- channel. The send snapshots the segment's members into campaign_recipients
-- and moves each from pending to sent (its message queued in the inbox in
-- the same transaction) or skipped, so a retried job or a second click
-- never reaches anyone twice.
CREATE TABLE campaigns (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    slug           TEXT NOT NULL,             -- utm_campaign of its links: clicks come back as context.campaign.name
    channel        TEXT NOT NULL,             -- email, sms, messenger
    segment_id     TEXT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '',  -- email only
    body           TEXT NOT NULL,             -- text with {{first_name}}-style tags
    promotion_code TEXT NOT NULL DEFAULT '',  -- put in each recipient's promotion wallet
    link           TEXT NOT NULL DEFAULT '',  -- tagged with the campaign's UTM parameters
    cap_messages   INTEGER NOT NULL,          -- frequency cap across journeys and campaigns
    cap_days       INTEGER NOT NULL,
    quiet_start    TEXT NOT NULL DEFAULT '',  -- HH:MM; a send waits from quiet_start to quiet_end
    quiet_end      TEXT NOT NULL DEFAULT '',
    time_zone      TEXT NOT NULL DEFAULT 'UTC',
    status         TEXT NOT NULL,             -- draft, scheduled, sending, sent, cancelled, failed
    error          TEXT NOT NULL DEFAULT '',  -- why a failed send stopped
    send_at        BIGINT,                    -- when it is (or was) to go; identifies the send job
    started_at     BIGINT,
    snapshot_at    BIGINT,                    -- when the audience was taken
    finished_at    BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX campaigns_slug ON campaigns(slug);
CREATE INDEX campaigns_created ON campaigns(created_at, id);

-- One member of a campaign's audience. id is campaign_id/customer_id as
-- snapshotted; customer_id follows profile merges.
CREATE TABLE campaign_recipients (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
    customer_id  TEXT NOT NULL,
    state        TEXT NOT NULL,               -- pending, sent, skipped
    reason       TEXT NOT NULL DEFAULT '',    -- why skipped: no consent, no address, capped, channel rules…
    detail       TEXT NOT NULL DEFAULT '',    -- the inbox's explanation
    message_id   TEXT NOT NULL DEFAULT '',
    sent_at      BIGINT,
    updated_at   BIGINT NOT NULL,
    order_id     TEXT NOT NULL DEFAULT '',    -- the order the message converted into
    converted_at BIGINT,
    revenue      BIGINT NOT NULL DEFAULT 0,   -- minor units of currency
    currency     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX campaign_recipients_once ON campaign_recipients(campaign_id, customer_id);
CREATE INDEX campaign_recipients_state ON campaign_recipients(campaign_id, state, customer_id);
CREATE INDEX campaign_recipients_customer ON campaign_recipients(customer_id, sent_at);

-- +goose Down
DROP TABLE campaign_recipients;
DROP TABLE campaigns;
