-- +goose Up
-- Times are milliseconds since the Unix epoch (UTC), the same on both databases.
CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'supervisor', 'analyst', 'police', 'partner')),
    password_hash TEXT    NOT NULL DEFAULT '',
    totp_secret   TEXT    NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    lang          TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

CREATE TABLE sessions (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BYTEA   NOT NULL UNIQUE,
    pending    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    ip         TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE login_failures (
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    prefix       TEXT   NOT NULL,
    hash         BYTEA  NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    last_used_at BIGINT,
    requests     BIGINT NOT NULL DEFAULT 0
);

-- The audit log is append-only: entries are chained by SHA-256, and the
-- trigger below refuses edits made through ordinary SQL.
CREATE TABLE audit_log (
    id        BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    object    TEXT   NOT NULL DEFAULT '',
    details   TEXT   NOT NULL DEFAULT '{}',
    prev_hash TEXT   NOT NULL,
    hash      TEXT   NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object);
CREATE INDEX audit_log_action ON audit_log (action);

-- One row that serialises appends: updating it takes a row lock.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TRIGGER audit_log_no_change ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
