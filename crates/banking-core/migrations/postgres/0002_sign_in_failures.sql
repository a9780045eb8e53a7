-- Failed sign-ins per normalised username, shared by every instance of the app so the
-- lock-out holds behind a load balancer. Rows older than the window are pruned on write.
CREATE TABLE sign_in_failures (
    username_key    TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
