-- The Item lifecycle made exact (keep migrations/sqlite and migrations/postgres in step).
--
-- Webhooks: Plaid's bodies carry no event id, so one row per body is kept, and each time the
-- same body starts a new event (older than the redelivery window, or another webhook for the
-- Item came in between) it begins a new episode: `episodes` counts them and `handled_at` is
-- that episode's. `claimed_until` is held while an instance acts on it, so a redelivery that
-- arrives meanwhile is not acted on twice. Rows are pruned by `last_received_at`.
ALTER TABLE webhook_events ADD COLUMN last_received_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_events ADD COLUMN episodes BIGINT NOT NULL DEFAULT 1;
ALTER TABLE webhook_events ADD COLUMN claimed_until BIGINT;
ALTER TABLE webhook_events ADD COLUMN superseded BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE webhook_events SET last_received_at = received_at;
CREATE INDEX webhook_events_last_received ON webhook_events (last_received_at);
CREATE INDEX webhook_events_item ON webhook_events (item_id);

-- Items: the message the user sees for an error state (Plaid's display_message or ours), and
-- the back-off of an Item whose syncs keep failing.
ALTER TABLE plaid_items ADD COLUMN status_message TEXT;
ALTER TABLE plaid_items ADD COLUMN sync_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plaid_items ADD COLUMN sync_retry_at BIGINT;

-- Accounts: where the balance came from (`sync`: Plaid's cached figure; `realtime`:
-- /accounts/balance/get), so a cached figure never overwrites a newer real-time one.
ALTER TABLE accounts ADD COLUMN balance_source TEXT NOT NULL DEFAULT 'sync';
