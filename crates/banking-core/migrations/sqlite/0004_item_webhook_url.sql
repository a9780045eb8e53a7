-- SQLite twin of migrations/postgres/0004_item_webhook_url.sql (keep the two in step).
-- The webhook URL each Item was last given at Plaid, so that when the app's public URL
-- changes, Items still pointing at the old one are re-pointed with /item/webhook/update.
ALTER TABLE plaid_items ADD COLUMN webhook_url TEXT;
