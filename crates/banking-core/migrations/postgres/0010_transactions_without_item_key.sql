-- Transactions no longer carry a foreign key to plaid_items (keep
-- migrations/sqlite/0010_transactions_without_item_key.sql in step). Its check ran once per
-- synced row. Only `apply_sync` writes transactions, and it first moves the Item's cursor with a
-- compare-and-swap on the same Item row in the same database transaction, so a row is never
-- written for an Item that does not exist; removing an Item deletes its transactions in the
-- same database transaction as the Item.
ALTER TABLE transactions DROP CONSTRAINT transactions_item_id_fkey;
