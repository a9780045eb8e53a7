-- The category a trader filed a transaction under (keep the other backend's 0013 in step).
-- A sync never writes it, so it is kept when Plaid modifies the transaction; when Plaid
-- posts a pending one under a new id, apply_sync carries it over (store::transactions).
ALTER TABLE transactions ADD COLUMN user_category TEXT;
