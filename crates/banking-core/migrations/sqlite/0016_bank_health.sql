-- Bank health for the admin view (keep the other backend's 0016 in step): the last Plaid
-- error per Item with its request id, webhooks that failed verification (counted against
-- the Item the body names, when it exists), and an audit trail of what happened to each
-- bank (kept 90 days and at most 500 entries per bank; it outlives the bank's removal).
ALTER TABLE plaid_items ADD COLUMN last_error_code TEXT;
ALTER TABLE plaid_items ADD COLUMN last_error_request_id TEXT;
ALTER TABLE plaid_items ADD COLUMN last_error_at BIGINT;
ALTER TABLE plaid_items ADD COLUMN webhook_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plaid_items ADD COLUMN webhook_failure_at BIGINT;
ALTER TABLE plaid_items ADD COLUMN webhook_failure_reason TEXT;

CREATE TABLE item_audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT
);
CREATE INDEX item_audit_item ON item_audit (item_id, id);
CREATE INDEX item_audit_at ON item_audit (at);
