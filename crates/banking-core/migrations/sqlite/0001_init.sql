-- SQLite twin of migrations/postgres/0001_init.sql (keep the two in step). Users of the app
-- and their linked Plaid data. Times are Unix seconds; money is exact decimal text.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('trader', 'admin', 'viewer')),
    created_at    BIGINT NOT NULL
);

CREATE TABLE plaid_items (
    item_id                 TEXT PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    institution_id          TEXT,
    institution_name        TEXT NOT NULL,
    access_token_ciphertext BLOB NOT NULL,
    key_id                  TEXT NOT NULL,
    sync_cursor             TEXT,
    status                  TEXT NOT NULL DEFAULT 'good'
                            CHECK (status IN ('good', 'login_required', 'pending_expiration', 'revoked')),
    status_detail           TEXT,
    status_deadline         BIGINT,
    needs_update            BOOLEAN NOT NULL DEFAULT FALSE,
    last_sync_at            BIGINT,
    last_sync_error         TEXT,
    sync_lease_until        BIGINT,
    sync_requested          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at              BIGINT NOT NULL
);
CREATE INDEX plaid_items_user ON plaid_items (user_id);

CREATE TABLE accounts (
    account_id         TEXT PRIMARY KEY,
    item_id            TEXT NOT NULL REFERENCES plaid_items (item_id) ON DELETE CASCADE,
    user_id            BIGINT NOT NULL,
    name               TEXT NOT NULL,
    official_name      TEXT,
    mask               TEXT,
    account_type       TEXT NOT NULL,
    subtype            TEXT,
    available          TEXT,
    current_balance    TEXT,
    credit_limit       TEXT,
    currency           TEXT,
    balance_as_of      BIGINT,
    fetched_at         BIGINT NOT NULL
);
CREATE INDEX accounts_user ON accounts (user_id);

CREATE TABLE transactions (
    transaction_id         TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL,
    item_id                TEXT NOT NULL REFERENCES plaid_items (item_id) ON DELETE CASCADE,
    user_id                BIGINT NOT NULL,
    amount                 TEXT NOT NULL,
    currency               TEXT,
    posted_date            TEXT NOT NULL,
    authorized_date        TEXT,
    name                   TEXT NOT NULL,
    merchant_name          TEXT,
    category               TEXT,
    pending                BOOLEAN NOT NULL,
    pending_transaction_id TEXT,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX transactions_user_date ON transactions (user_id, posted_date);

CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    body_sha256 TEXT NOT NULL UNIQUE,
    item_id     TEXT,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    deliveries  BIGINT NOT NULL DEFAULT 1,
    received_at BIGINT NOT NULL
);
