-- +goose Up
-- An analyst's protections when viewing reported content.
CREATE TABLE wellness (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    blur        INTEGER NOT NULL,
    grey        BOOLEAN NOT NULL,
    pause_after INTEGER NOT NULL
);

-- +goose Down
DROP TABLE wellness;
