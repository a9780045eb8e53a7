-- transactions_flows (user_id, posted_date, account_id, currency, amount_e4) starts with the
-- same columns and serves every read transactions_user_date served (the list by user and date,
-- newest first, and the reports); keeping both made each synced row update one more index.
DROP INDEX transactions_user_date;
