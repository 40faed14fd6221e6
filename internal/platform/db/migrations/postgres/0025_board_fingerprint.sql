-- The filing board keeps its counts until something they are counted from
-- changes, and asks on each request whether anything has: the number of
-- the campaign's filings and the sum of their versions come from the
-- board's index of filings once it holds the version, and the last change
-- of an organisation from an index of when each was changed.
DROP INDEX filings_board;
CREATE INDEX filings_board ON filings(campaign_id, org_id, table_no, state, approved_revision, version);
CREATE INDEX organisations_updated ON organisations(updated_at);
