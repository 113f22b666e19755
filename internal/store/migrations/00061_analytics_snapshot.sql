-- +goose Up
-- Figures that need each customer's whole journey (attribution, cohorts,
-- service), added up by a replay of the event log and replaced as a whole
-- by each refresh. Every row is a sum, so a period is the sum of its rows.
CREATE TABLE analytics_refreshes (
    id          TEXT PRIMARY KEY,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    events      BIGINT NOT NULL,
    customers   BIGINT NOT NULL,
    options     TEXT NOT NULL, -- JSON: look-back, half-life, windows
    report      TEXT NOT NULL  -- JSON: the channel-strategy report over all events
);

-- Revenue credited to touchpoints, by the day of the order.
CREATE TABLE analytics_attribution (
    day               INTEGER NOT NULL,
    model             TEXT NOT NULL,
    channel           TEXT NOT NULL,
    campaign          TEXT NOT NULL,
    currency          TEXT NOT NULL,
    credit_minor      BIGINT NOT NULL,
    conversions_milli BIGINT NOT NULL, -- thousandths of orders credited
    PRIMARY KEY (model, day, channel, campaign, currency)
);

-- Purchasers active in each month after their first purchase (offset 0 is
-- the cohort's size), by first-purchase month, acquisition channel and
-- segment (omnichannel: two channels or more; single_channel).
CREATE TABLE analytics_cohorts (
    cohort       TEXT NOT NULL, -- YYYY-MM
    channel      TEXT NOT NULL,
    segment      TEXT NOT NULL,
    month_offset INTEGER NOT NULL,
    customers    BIGINT NOT NULL,
    PRIMARY KEY (cohort, channel, segment, month_offset)
);

CREATE TABLE analytics_cohort_value (
    cohort           TEXT NOT NULL,
    channel          TEXT NOT NULL,
    segment          TEXT NOT NULL,
    customers        BIGINT NOT NULL,
    repeat_customers BIGINT NOT NULL,
    orders           BIGINT NOT NULL,
    PRIMARY KEY (cohort, channel, segment)
);

CREATE TABLE analytics_cohort_revenue (
    cohort        TEXT NOT NULL,
    channel       TEXT NOT NULL,
    segment       TEXT NOT NULL,
    currency      TEXT NOT NULL,
    revenue_minor BIGINT NOT NULL, -- net of refunds
    PRIMARY KEY (cohort, channel, segment, currency)
);

-- Every customer by first-interaction month, acquisition channel and segment.
CREATE TABLE analytics_segments (
    month      TEXT NOT NULL,
    channel    TEXT NOT NULL,
    segment    TEXT NOT NULL,
    customers  BIGINT NOT NULL,
    purchasers BIGINT NOT NULL,
    PRIMARY KEY (month, channel, segment)
);

-- Conversations by the day and channel they started on.
CREATE TABLE analytics_service (
    day               INTEGER NOT NULL,
    channel           TEXT NOT NULL,
    conversations     BIGINT NOT NULL,
    inbound           BIGINT NOT NULL,
    outbound          BIGINT NOT NULL,
    responded         BIGINT NOT NULL,
    first_response_ms BIGINT NOT NULL,
    resolution_ms     BIGINT NOT NULL,
    contacts          BIGINT NOT NULL,
    cross_channel     BIGINT NOT NULL,
    PRIMARY KEY (day, channel)
);

-- +goose Down
DROP TABLE analytics_service;
DROP TABLE analytics_segments;
DROP TABLE analytics_cohort_revenue;
DROP TABLE analytics_cohort_value;
DROP TABLE analytics_cohorts;
DROP TABLE analytics_attribution;
DROP TABLE analytics_refreshes;
