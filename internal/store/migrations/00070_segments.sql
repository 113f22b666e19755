-- +goose Up
-- Customer segments: a name and a definition (JSON: match all/any and the
-- conditions). Members are computed when asked, never stored.
CREATE TABLE segments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    definition  TEXT NOT NULL, -- JSON segment.Definition
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE segments;
