-- The two filing tables: form templates, filings with items and revisions, review events, extensions, reminders.
CREATE TABLE form_templates (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    table_no INTEGER NOT NULL CHECK (table_no IN (1, 2)),
    definition TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, table_no)
);

CREATE TABLE filings (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    table_no INTEGER NOT NULL CHECK (table_no IN (1, 2)),
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
    stage_org_id BIGINT REFERENCES organisations(id),
    revision INTEGER NOT NULL DEFAULT 0,
    approved_revision INTEGER NOT NULL DEFAULT 0,
    scan_key TEXT NOT NULL DEFAULT '',
    scan_name TEXT NOT NULL DEFAULT '',
    scan_type TEXT NOT NULL DEFAULT '',
    scan_size BIGINT NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    submitted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (campaign_id, org_id, table_no)
);
CREATE INDEX filings_stage ON filings(stage_org_id);

CREATE TABLE filing_items (
    id INTEGER PRIMARY KEY,
    filing_id BIGINT NOT NULL REFERENCES filings(id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (filing_id, uid)
);

CREATE TABLE filing_revisions (
    filing_id BIGINT NOT NULL REFERENCES filings(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    items TEXT NOT NULL,
    submitted_by BIGINT REFERENCES accounts(id),
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (filing_id, number)
);

CREATE TABLE filing_events (
    id INTEGER PRIMARY KEY,
    filing_id BIGINT NOT NULL REFERENCES filings(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    org_id BIGINT,
    item_uid TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX filing_events_filing ON filing_events(filing_id);

CREATE TABLE filing_extensions (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    until_at TEXT NOT NULL,
    granted_by BIGINT,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, org_id)
);

CREATE TABLE filing_reminders (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    table_no INTEGER NOT NULL,
    sent_by BIGINT,
    sent_at TEXT NOT NULL,
    seen_at TEXT
);
CREATE INDEX filing_reminders_org ON filing_reminders(org_id);
