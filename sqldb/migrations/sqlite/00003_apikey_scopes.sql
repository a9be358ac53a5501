-- +goose Up
-- What a partner key may do: "lookup" (match and read feeds) and "write"
-- (add entries to banks), comma-separated.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'lookup';

-- +goose Down
ALTER TABLE api_keys DROP COLUMN scopes;
