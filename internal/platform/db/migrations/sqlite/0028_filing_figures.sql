-- What the statistics count of each approved revision of table 1: its
-- activities grouped by focus area, form and day, with the participants
-- they expect. A revision never changes once written, so its figures are
-- counted from its items once, when the statistics first meet it, and
-- kept here: a change to one filing costs the statistics that filing
-- alone. A revision without items has one row of no activities, so that
-- every revision counted has a row.
CREATE TABLE filing_figures (
    filing_id BIGINT NOT NULL REFERENCES filings(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    category TEXT NOT NULL,
    mode TEXT NOT NULL,
    day TEXT NOT NULL,
    activities INTEGER NOT NULL,
    expected BIGINT NOT NULL,
    PRIMARY KEY (filing_id, revision, category, mode, day)
);
