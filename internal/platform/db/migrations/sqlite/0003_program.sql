-- The public program: approved filing items materialised as activities with stable ids, their search index, and the online-week switch.
CREATE TABLE program_activities (
    id INTEGER PRIMARY KEY,
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
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
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
    updated_at TEXT NOT NULL,
    UNIQUE (filing_id, item_uid)
);
CREATE INDEX program_activities_list ON program_activities(campaign_id, listed, start_at);
CREATE INDEX program_activities_unit ON program_activities(campaign_id, unit_code);

-- Search: the trigram index finds terms of three characters or more; every
-- one- and two-character piece of the searched text finds the shorter ones.
CREATE VIRTUAL TABLE program_search USING fts5(title, unit, address, content, initials, tokenize = 'trigram');
CREATE TABLE program_grams (
    gram TEXT NOT NULL,
    activity_id BIGINT NOT NULL REFERENCES program_activities(id) ON DELETE CASCADE,
    PRIMARY KEY (gram, activity_id)
) WITHOUT ROWID;
CREATE INDEX program_grams_activity ON program_grams(activity_id);

CREATE TABLE program_online (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    switched_by BIGINT REFERENCES accounts(id),
    switched_at TEXT NOT NULL
);
