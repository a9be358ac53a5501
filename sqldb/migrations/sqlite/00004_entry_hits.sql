-- +goose Up
-- Which distinct content (by SHA-256, or PDQ when no file hash is known)
-- each entry matched, and when first: the flood guard counts these to
-- quarantine an entry that suddenly matches everything.
CREATE TABLE entry_hits (
    entry_id    BIGINT NOT NULL REFERENCES bank_entries (id) ON DELETE CASCADE,
    content_key TEXT   NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (entry_id, content_key)
);
CREATE INDEX entry_hits_entry_at ON entry_hits (entry_id, at);

-- +goose Down
DROP TABLE entry_hits;
