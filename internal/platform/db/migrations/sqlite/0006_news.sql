-- Publicity: sections, articles (news, notices, policy pages) and media coverage.
CREATE TABLE news_sections (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, code)
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    section_id BIGINT NOT NULL REFERENCES news_sections(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    cover_key TEXT NOT NULL DEFAULT '',
    cover_type TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
    stage_org_id BIGINT REFERENCES organisations(id),
    comment TEXT NOT NULL DEFAULT '',
    pinned INTEGER NOT NULL DEFAULT 0,
    publish_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX articles_public ON articles(campaign_id, state, publish_at);
CREATE INDEX articles_stage ON articles(stage_org_id);

CREATE TABLE media_coverage (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    outlet TEXT NOT NULL,
    title TEXT NOT NULL,
    published_on TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    clipping_key TEXT NOT NULL DEFAULT '',
    clipping_name TEXT NOT NULL DEFAULT '',
    clipping_type TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX media_coverage_campaign ON media_coverage(campaign_id, org_id);
