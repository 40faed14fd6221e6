-- The filing board counts every organisation's two tables on each page: an
-- index of organisations by path that holds status and depth, and one of
-- filings that holds state and approved revision, answer that count from
-- the indexes alone rather than one table row per organisation and table.
CREATE INDEX organisations_board ON organisations(path, status, depth);
CREATE INDEX filings_board ON filings(campaign_id, org_id, table_no, state, approved_revision);
