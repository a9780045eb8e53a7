-- Credit cards' and loans' terms from Plaid's /liabilities/get (keep the other backend's 0017
-- in step): one row per liability account, replaced with each fetch, deleted with the account.
CREATE TABLE liabilities (
    account_id             TEXT PRIMARY KEY REFERENCES accounts (account_id) ON DELETE CASCADE,
    item_id                TEXT NOT NULL,
    user_id                BIGINT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('credit', 'mortgage', 'student')),
    apr                    TEXT,
    is_overdue             BOOLEAN,
    minimum_payment        TEXT,
    next_payment_due_date  TEXT,
    last_payment_amount    TEXT,
    last_payment_date      TEXT,
    last_statement_balance TEXT,
    fetched_at             BIGINT NOT NULL
);
CREATE INDEX liabilities_user ON liabilities (user_id);

-- When /liabilities/get was last called for the Item (a sync fetches them at most daily).
ALTER TABLE plaid_items ADD COLUMN liabilities_refresh_at BIGINT;
