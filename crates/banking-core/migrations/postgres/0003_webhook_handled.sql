-- When a recorded webhook was acted on. A redelivery of a body that was recorded but never
-- handled (the app stopped or the database failed half-way) is acted on again.
ALTER TABLE webhook_events ADD COLUMN handled_at BIGINT;
-- The safety net looks for these every few minutes; the audit table itself only grows.
CREATE INDEX webhook_events_unhandled ON webhook_events (received_at) WHERE handled_at IS NULL;
