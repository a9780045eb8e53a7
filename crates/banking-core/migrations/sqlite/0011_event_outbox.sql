-- The transactional outbox (keep migrations/postgres/0011_event_outbox.sql in step): each
-- committed change's events for the event stream, written in the change's own database
-- transaction when EVENTS_NATS_URL is set, published by the relay in `seq` order, pruned
-- after a retention period. One relay at a time holds `relay_lease`.
CREATE TABLE event_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX event_outbox_unpublished ON event_outbox (seq) WHERE published_at IS NULL;
CREATE INDEX event_outbox_published ON event_outbox (published_at) WHERE published_at IS NOT NULL;

CREATE TABLE relay_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT,
    lease_until INTEGER
);
INSERT INTO relay_lease (id) VALUES (1);
