-- The public program: approved filing items materialised as activities with stable ids, their search index, and the online-week switch.
CREATE TABLE program_activities (
    id BIGSERIAL PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    filing_id BIGINT NOT NULL REFERENCES filings(id) ON DELETE CASCADE,
    item_uid TEXT NOT NULL,
    table_no INTEGER NOT NULL,
    listed BOOLEAN NOT NULL DEFAULT TRUE,
    position INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    district_code TEXT NOT NULL DEFAULT '',
    district_name TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    organizer TEXT NOT NULL DEFAULT '',
    category_code TEXT NOT NULL DEFAULT '',
    category_name TEXT NOT NULL DEFAULT '',
    audience_codes TEXT NOT NULL DEFAULT '',
    audience_names TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ NOT NULL,
    days TEXT NOT NULL,
    sessions TEXT NOT NULL DEFAULT '[]',
    address TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL DEFAULT 0,
    expected INTEGER NOT NULL DEFAULT 0,
    fields TEXT NOT NULL DEFAULT '[]',
    search_text TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (filing_id, item_uid)
);
CREATE INDEX program_activities_list ON program_activities(campaign_id, listed, start_at);
CREATE INDEX program_activities_unit ON program_activities(campaign_id, unit_code);

-- Search finds candidates with LIKE on search_text; pg_trgm makes that an
-- index scan where the extension may be installed, and without it the
-- same query still answers, only slower.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXECUTE 'CREATE INDEX program_activities_search ON program_activities USING gin (search_text gin_trgm_ops)';
EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
    RAISE NOTICE 'pg_trgm is not available: program search runs without its index';
END
$$;

CREATE TABLE program_online (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    switched_by BIGINT REFERENCES accounts(id),
    switched_at TIMESTAMPTZ NOT NULL
);
