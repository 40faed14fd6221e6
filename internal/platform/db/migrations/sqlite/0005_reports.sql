-- Summary reports: one per unit per campaign, their media, review events and extensions.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
    stage_org_id BIGINT REFERENCES organisations(id),
    implementation TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    results TEXT NOT NULL DEFAULT '',
    cases TEXT NOT NULL DEFAULT '',
    activities_held INTEGER NOT NULL DEFAULT 0,
    people_on_site INTEGER NOT NULL DEFAULT 0,
    online_views INTEGER NOT NULL DEFAULT 0,
    media_reports INTEGER NOT NULL DEFAULT 0,
    participants TEXT NOT NULL DEFAULT '{}',
    coverage TEXT NOT NULL DEFAULT '[]',
    paper_received_on TEXT,
    paper_received_by TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    submitted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (campaign_id, org_id)
);
CREATE INDEX reports_stage ON reports(stage_org_id);

CREATE TABLE report_media (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('video', 'photo', 'document')),
    offer INTEGER NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 0,
    blob_key TEXT NOT NULL,
    thumb_key TEXT NOT NULL DEFAULT '',
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    uploaded_by BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX report_media_report ON report_media(report_id);

CREATE TABLE report_events (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    org_id BIGINT,
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX report_events_report ON report_events(report_id);

CREATE TABLE report_extensions (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    until_at TEXT NOT NULL,
    granted_by BIGINT,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, org_id)
);
