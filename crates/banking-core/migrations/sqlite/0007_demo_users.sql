-- SQLite twin of migrations/postgres/0007_demo_users.sql (keep the two in step).
-- Simulation mode seeds demo users with a published password: they are marked, and refused
-- sign-in whenever the app runs in live mode. Once a database has been used in live mode
-- (app_mode has its row), no demo users are ever created in it again.
ALTER TABLE users ADD COLUMN demo BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE app_mode (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    live_since BIGINT NOT NULL
);
