-- When a recorded webhook was acted on. A redelivery of a body that was recorded but never
-- handled (the app stopped or the database failed half-way) is acted on again.
ALTER TABLE webhook_events ADD COLUMN handled_at BIGINT;
