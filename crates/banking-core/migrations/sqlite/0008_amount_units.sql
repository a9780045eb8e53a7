-- SQLite twin of migrations/postgres/0008_amount_units.sql (keep the two in step).
-- Amounts also as integer ten-thousandths, summed exactly by reports; NULL beyond four decimals.
ALTER TABLE transactions ADD COLUMN amount_e4 BIGINT;
UPDATE transactions SET amount_e4 = CAST(ROUND(CAST(amount AS REAL) * 10000) AS INTEGER)
WHERE instr(amount, '.') = 0 OR length(amount) - instr(amount, '.') <= 4;
-- Reports read only this index (an index-only scan), never the table.
CREATE INDEX transactions_flows ON transactions (user_id, posted_date, account_id, currency, amount_e4);
