-- Balance history (keep the other backend's 0015 in step). Every write of an account's
-- balance keeps the day's snapshot (one 'daily' row per account and UTC day, updated to the
-- last figure of the day; the safety net adds one for days without a write), and every
-- real-time refresh keeps its own 'realtime' row. Deleted with the account.
CREATE TABLE balance_snapshots (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL,
    day             TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('daily', 'realtime')),
    taken_at        BIGINT NOT NULL,
    current_balance TEXT,
    available       TEXT,
    currency        TEXT
);
CREATE UNIQUE INDEX balance_snapshots_daily ON balance_snapshots (account_id, day) WHERE source = 'daily';
CREATE INDEX balance_snapshots_user_day ON balance_snapshots (user_id, day);

-- When new transactions were last requested from Plaid (/transactions/refresh) for the
-- Item, shared by every instance so that together they keep to one request per interval.
ALTER TABLE plaid_items ADD COLUMN transactions_refresh_at BIGINT;
