-- Which approved revision each filing's program rows were written from, so
-- start-up syncs only the filings approved (or reopened) since, in one
-- query, instead of re-reading every filing. Every filing of an existing
-- database was synced by the last start, which re-read them all.
CREATE TABLE program_synced (
    filing_id BIGINT PRIMARY KEY REFERENCES filings(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL
);
INSERT INTO program_synced (filing_id, revision) SELECT id, approved_revision FROM filings;
