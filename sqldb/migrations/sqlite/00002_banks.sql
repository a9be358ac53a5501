-- +goose Up
CREATE TABLE banks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL CHECK (kind IN ('known', 'family', 'benign')),
    threshold   INTEGER NOT NULL CHECK (threshold BETWEEN 0 AND 128),
    enabled     INTEGER NOT NULL DEFAULT 1,
    source      TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Every change to an entry takes the next number of one sequence, so that a
-- reader resuming "after seq N" sees every change once, deletions included.
CREATE TABLE bank_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    bank_id    INTEGER NOT NULL REFERENCES banks (id) ON DELETE CASCADE,
    signal     TEXT    NOT NULL CHECK (signal IN ('pdq', 'md5', 'sha1', 'sha256')),
    value      TEXT    NOT NULL,
    metadata   TEXT    NOT NULL DEFAULT '{}',
    added_by   TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('active', 'disabled', 'quarantined', 'deleted')),
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (bank_id, signal, value)
);
CREATE INDEX bank_entries_seq ON bank_entries (seq);
CREATE INDEX bank_entries_value ON bank_entries (signal, value);

CREATE TABLE entry_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO entry_seq (id, seq) VALUES (1, 0);

-- +goose Down
DROP TABLE entry_seq;
DROP TABLE bank_entries;
DROP TABLE banks;
