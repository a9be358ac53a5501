-- +goose Up
-- Parents' registrations. The photos wait in pending_photos (JSON) until the
-- e-mail address is verified, then live in the family bank only; the link
-- to their entries is family_entries. Withdrawal erases the e-mail, the PIN
-- and the photos, and keeps the row so that the audit log still resolves.
CREATE TABLE families (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    case_number      TEXT    UNIQUE,
    pin_hash         TEXT    NOT NULL DEFAULT '',
    email            TEXT    NOT NULL,
    lang             TEXT    NOT NULL DEFAULT 'fr',
    token_hash       BLOB    UNIQUE,
    token_expires_at INTEGER NOT NULL DEFAULT 0,
    pending_photos   TEXT    NOT NULL DEFAULT '[]',
    photos           INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    verified_at      INTEGER,
    withdrawn_at     INTEGER
);
CREATE INDEX families_pending ON families (created_at) WHERE verified_at IS NULL;

-- One entry may belong to several families (two parents register the same
-- photo); it leaves the bank when the last of them withdraws.
CREATE TABLE family_entries (
    family_id INTEGER NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    entry_id  INTEGER NOT NULL REFERENCES bank_entries (id),
    PRIMARY KEY (family_id, entry_id)
);
CREATE INDEX family_entries_entry ON family_entries (entry_id);

-- Matches an analyst confirmed, and when the family was told.
CREATE TABLE family_matches (
    family_id    INTEGER NOT NULL REFERENCES families (id) ON DELETE CASCADE,
    item_id      INTEGER NOT NULL REFERENCES items (id),
    confirmed_by INTEGER NOT NULL REFERENCES users (id),
    confirmed_at INTEGER NOT NULL,
    notified_at  INTEGER,
    PRIMARY KEY (family_id, item_id)
);

-- +goose Down
DROP TABLE family_matches;
DROP TABLE family_entries;
DROP TABLE families;
