-- +goose Up
CREATE TABLE providers (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    asns        TEXT    NOT NULL DEFAULT '', -- comma-separated
    domains     TEXT    NOT NULL DEFAULT '', -- comma-separated
    abuse_email TEXT    NOT NULL,
    lang        TEXT    NOT NULL DEFAULT 'en',
    country     TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE partners (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    countries  TEXT    NOT NULL, -- comma-separated ISO codes
    email      TEXT    NOT NULL DEFAULT '',
    endpoint   TEXT    NOT NULL DEFAULT '',
    lang       TEXT    NOT NULL DEFAULT 'en',
    updated_at BIGINT  NOT NULL
);

CREATE TABLE takedowns (
    case_id         BIGINT PRIMARY KEY REFERENCES cases (id),
    status          TEXT    NOT NULL CHECK (status IN ('tracing', 'notified', 'removed', 'escalated', 'no_contact')),
    trace           TEXT    NOT NULL DEFAULT '{}',
    host            TEXT    NOT NULL DEFAULT '',
    asn             BIGINT  NOT NULL DEFAULT 0,
    country         TEXT    NOT NULL DEFAULT '',
    cdn             TEXT    NOT NULL DEFAULT '',
    first_notice_at BIGINT ,
    removed_at      BIGINT ,
    last_check_at   BIGINT ,
    reminders       INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX takedowns_status ON takedowns (status);

CREATE TABLE notices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     BIGINT  NOT NULL REFERENCES cases (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('notice', 'forward', 'reminder', 'escalation')),
    recipient   TEXT    NOT NULL,
    provider_id BIGINT  NOT NULL DEFAULT 0,
    partner_id  BIGINT  NOT NULL DEFAULT 0,
    lang        TEXT    NOT NULL,
    reference   TEXT    NOT NULL UNIQUE,
    status      TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    message_id  TEXT    NOT NULL DEFAULT '',
    reply_to    TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    sent_at     BIGINT 
);
CREATE INDEX notices_case ON notices (case_id);

CREATE TABLE checks (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT  NOT NULL REFERENCES cases (id),
    at      BIGINT  NOT NULL,
    removed BOOLEAN NOT NULL,
    result  TEXT    NOT NULL
);
CREATE INDEX checks_case ON checks (case_id, at);

-- +goose Down
DROP TABLE checks;
DROP TABLE notices;
DROP TABLE takedowns;
DROP TABLE partners;
DROP TABLE providers;
