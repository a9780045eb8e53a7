-- Brokerage positions and investment transactions from Plaid's /investments/* (keep the other
-- backend's 0018 in step). Holdings are replaced with each fetch; investment transactions of
-- the fetched window are replaced too. Both go with their account.
CREATE TABLE holdings (
    account_id    TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    security_id   TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    user_id       BIGINT NOT NULL,
    ticker        TEXT,
    name          TEXT,
    security_type TEXT,
    is_cash       BOOLEAN NOT NULL,
    quantity      TEXT NOT NULL,
    price         TEXT NOT NULL,
    price_as_of   TEXT,
    value         TEXT NOT NULL,
    cost_basis    TEXT,
    currency      TEXT,
    fetched_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, security_id)
);
CREATE INDEX holdings_user ON holdings (user_id);

CREATE TABLE investment_transactions (
    investment_transaction_id TEXT PRIMARY KEY,
    account_id                TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    item_id                   TEXT NOT NULL,
    user_id                   BIGINT NOT NULL,
    posted_date               TEXT NOT NULL,
    name                      TEXT NOT NULL,
    kind                      TEXT NOT NULL,
    subtype                   TEXT NOT NULL,
    ticker                    TEXT,
    quantity                  TEXT NOT NULL,
    price                     TEXT NOT NULL,
    amount                    TEXT NOT NULL,
    fees                      TEXT,
    currency                  TEXT
);
CREATE INDEX investment_transactions_user_date ON investment_transactions (user_id, posted_date);

-- When /investments/* were last called for the Item (a sync fetches them at most daily).
ALTER TABLE plaid_items ADD COLUMN investments_refresh_at BIGINT;
