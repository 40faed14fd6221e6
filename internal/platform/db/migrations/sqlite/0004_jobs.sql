-- Durable background jobs, the record of every e-mail and text message, in-app notifications, and deadline reminders.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    unique_key TEXT,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at TEXT NOT NULL,
    locked_by TEXT NOT NULL DEFAULT '',
    locked_until TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE UNIQUE INDEX jobs_unique_key ON jobs(unique_key);
CREATE INDEX jobs_due ON jobs(state, run_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    org_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    lang TEXT NOT NULL,
    topic TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX messages_created ON messages(created_at);
CREATE INDEX messages_org ON messages(org_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '[]',
    link TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_account ON notifications(account_id, read_at);

CREATE TABLE reminder_rules (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    deadline TEXT NOT NULL,
    days TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, deadline)
);

CREATE TABLE reminders_sent (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    deadline TEXT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    days_before INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, deadline, org_id, days_before)
);
