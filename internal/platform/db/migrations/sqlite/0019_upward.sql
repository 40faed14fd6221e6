-- A campaign below another submits its level's approved tables to the
-- campaign above in one action, and the level above reviews them as it
-- reviews a unit's filing: one submission a child campaign, its
-- submitted revisions (the rows as they went up) and its history.
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    from_campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'returned', 'approved')),
    stage_org_id BIGINT REFERENCES organisations(id),
    revision INTEGER NOT NULL DEFAULT 0,
    approved_revision INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    submitted_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (from_campaign_id)
);
CREATE INDEX submissions_campaign ON submissions(campaign_id);

CREATE TABLE submission_revisions (
    submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    items TEXT NOT NULL,
    submitted_by BIGINT REFERENCES accounts(id),
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (submission_id, number)
);

CREATE TABLE submission_events (
    id INTEGER PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    org_id BIGINT,
    item_uid TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX submission_events_submission ON submission_events(submission_id);

-- A campaign receives the levels below it whole, in one action each, or
-- row by row: each row goes up as soon as the level below approves it.
ALTER TABLE campaigns ADD COLUMN upward_rows INTEGER NOT NULL DEFAULT 0;
