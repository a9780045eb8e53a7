-- What a trader decided about an account (keep the other backend's 0012 in step): a nickname,
-- hidden from the dashboard, counted in total cash or not. Keyed by what stays the same when
-- the bank is linked again (Plaid gives the accounts new ids then): the institution, the
-- account's type and subtype, and its mask (or name when it has none); see store::accounts.
CREATE TABLE account_preferences (
    user_id INTEGER NOT NULL,
    account_key TEXT NOT NULL,
    nickname TEXT,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    in_total_cash BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, account_key)
);
