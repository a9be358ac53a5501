-- +goose Up
CREATE TABLE reports (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            TEXT    NOT NULL UNIQUE,
    pin_hash        BYTEA    NOT NULL,
    category        TEXT    NOT NULL,
    seen_where      TEXT    NOT NULL DEFAULT '',
    description     TEXT    NOT NULL DEFAULT '',
    contact         TEXT    NOT NULL DEFAULT '',
    contact_consent BOOLEAN NOT NULL DEFAULT FALSE,
    lang            TEXT    NOT NULL DEFAULT '',
    source          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);

-- One case per normalised URL: later reports of the same URL attach to it.
CREATE TABLE cases (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url          TEXT    NOT NULL UNIQUE,
    reported_url TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('new', 'fetching', 'awaiting_assessment', 'illegal', 'not_illegal', 'unreachable')),
    reporters    INTEGER NOT NULL DEFAULT 1,
    fail_reason  TEXT    NOT NULL DEFAULT '',
    legal_hold   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX cases_state ON cases (state, id);

CREATE TABLE report_urls (
    report_id BIGINT  NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    case_id   BIGINT  NOT NULL REFERENCES cases (id),
    raw_url   TEXT    NOT NULL,
    PRIMARY KEY (report_id, case_id)
);
CREATE INDEX report_urls_case ON report_urls (case_id);

CREATE TABLE items (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        BIGINT  NOT NULL REFERENCES cases (id),
    url            TEXT    NOT NULL,
    evidence       TEXT    NOT NULL DEFAULT '{}',
    md5            TEXT    NOT NULL DEFAULT '',
    sha1           TEXT    NOT NULL DEFAULT '',
    sha256         TEXT    NOT NULL DEFAULT '',
    pdq            TEXT    NOT NULL DEFAULT '',
    quality        INTEGER NOT NULL DEFAULT 0,
    width          INTEGER NOT NULL DEFAULT 0,
    height         INTEGER NOT NULL DEFAULT 0,
    format         TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL CHECK (state IN ('pending', 'awaiting', 'confirming', 'auto_classified', 'assessed', 'failed')),
    priority       INTEGER NOT NULL DEFAULT 0,
    family         BOOLEAN NOT NULL DEFAULT FALSE,
    classification TEXT    NOT NULL DEFAULT '',
    matches        TEXT    NOT NULL DEFAULT '[]',
    fail_reason    TEXT    NOT NULL DEFAULT '',
    stored         BOOLEAN NOT NULL DEFAULT FALSE,
    purged_at      BIGINT ,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX items_queue ON items (state, priority, id);
CREATE INDEX items_case ON items (case_id);
CREATE INDEX items_sha256 ON items (sha256);

CREATE TABLE assessments (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id        BIGINT  NOT NULL REFERENCES items (id),
    analyst_id     BIGINT  NOT NULL REFERENCES users (id),
    classification TEXT    NOT NULL,
    age_group      TEXT    NOT NULL DEFAULT '',
    content_type   TEXT    NOT NULL DEFAULT '',
    notes          TEXT    NOT NULL DEFAULT '',
    add_to_benign  BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT    NOT NULL CHECK (status IN ('pending_confirmation', 'confirmed', 'rejected', 'final')),
    confirmed_by   BIGINT  REFERENCES users (id),
    confirmed_at   BIGINT ,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX assessments_item ON assessments (item_id);
CREATE INDEX assessments_status ON assessments (status, id);

-- +goose Down
DROP TABLE assessments;
DROP TABLE items;
DROP TABLE report_urls;
DROP TABLE cases;
DROP TABLE reports;
