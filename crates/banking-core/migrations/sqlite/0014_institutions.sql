-- Institutions' identity from Plaid's /institutions/get_by_id (keep the other backend's 0014
-- in step): name, brand colour, website and logo (base64 PNG), cached and refreshed weekly.
CREATE TABLE institutions (
    institution_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    primary_color TEXT,
    url TEXT,
    logo TEXT,
    fetched_at BIGINT NOT NULL
);
