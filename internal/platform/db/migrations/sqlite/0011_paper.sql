-- The paper copies: a verification code for each printed revision of a table
-- or summary report, and the organiser's record of the stamped copy received.
-- A campaign may require the stamped scan with every submission.
ALTER TABLE campaigns ADD COLUMN require_scan INTEGER NOT NULL DEFAULT 0;

CREATE TABLE paper_codes (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL CHECK (kind IN ('filing', 'report')),
    object_id BIGINT NOT NULL,
    revision INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    printed_by BIGINT REFERENCES accounts(id),
    printed_at TEXT NOT NULL,
    revoked_at TEXT,
    received_at TEXT,
    received_by BIGINT REFERENCES accounts(id),
    received_by_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX paper_codes_object ON paper_codes(kind, object_id);
CREATE INDEX paper_codes_campaign ON paper_codes(campaign_id, received_at);
