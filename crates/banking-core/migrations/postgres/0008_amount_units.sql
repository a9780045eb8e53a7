-- Transaction amounts also as integer ten-thousandths (keep migrations/sqlite/0008_amount_units.sql
-- in step), so reports sum them in the database, exactly. NULL when the amount has more than four
-- decimals: reports read those rows' decimal text instead.
ALTER TABLE transactions ADD COLUMN amount_e4 BIGINT;
UPDATE transactions SET amount_e4 = (amount::numeric * 10000)::bigint WHERE scale(amount::numeric) <= 4;
-- Reports read only this index (an index-only scan), never the table.
CREATE INDEX transactions_flows ON transactions (user_id, posted_date, account_id, currency, amount_e4);
