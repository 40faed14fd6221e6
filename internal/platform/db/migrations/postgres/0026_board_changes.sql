-- Every change to a campaign's filings is numbered, by the database itself
-- in the statement that makes it, so that no way of writing a filing can
-- forget to: the campaign's last number is one row of filing_changes, and
-- each filing keeps the number of its last change. The filing board reads
-- that one row to learn whether anything changed, and then only the filings
-- changed since the number it has counted up to. A filing removed (only
-- with its organisation or campaign) is counted apart: the board then
-- counts again from scratch.
--
-- The row is locked from a filing's change until its transaction commits,
-- so numbers are given in the order of commits: a reader that sees number
-- N sees every change numbered up to N. (A transaction changes one filing;
-- one that changed two of a campaign would hold the row while it waits for
-- the second.)
CREATE TABLE filing_changes (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL DEFAULT 0,
    removed BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE filings ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX filings_changes ON filings(campaign_id, change_seq);

CREATE FUNCTION filings_number_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO filing_changes (campaign_id, seq) VALUES (NEW.campaign_id, 1)
        ON CONFLICT (campaign_id) DO UPDATE SET seq = filing_changes.seq + 1
        RETURNING seq INTO NEW.change_seq;
    RETURN NEW;
END;
$$;
CREATE TRIGGER filings_numbered BEFORE INSERT OR UPDATE ON filings
FOR EACH ROW EXECUTE FUNCTION filings_number_change();

CREATE FUNCTION filings_count_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE filing_changes SET removed = removed + 1 WHERE campaign_id = OLD.campaign_id;
    RETURN OLD;
END;
$$;
CREATE TRIGGER filings_removed AFTER DELETE ON filings
FOR EACH ROW EXECUTE FUNCTION filings_count_removal();
