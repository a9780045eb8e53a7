-- When real-time balances were last requested from Plaid for the Item, shared by every
-- instance of the app so that together they keep to Plaid's per-Item balance rate limit.
ALTER TABLE plaid_items ADD COLUMN balance_refresh_at BIGINT;
