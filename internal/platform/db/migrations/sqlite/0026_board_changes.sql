-- Every change to a campaign's filings is numbered, by the database itself
-- in the statement that makes it, so that no way of writing a filing can
-- forget to: the campaign's last number is one row of filing_changes, and
-- each filing keeps the number of its last change. The filing board reads
-- that one row to learn whether anything changed, and then only the filings
-- changed since the number it has counted up to. A filing removed (only
-- with its organisation or campaign) is counted apart: the board then
-- counts again from scratch.
CREATE TABLE filing_changes (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL DEFAULT 0,
    removed BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE filings ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX filings_changes ON filings(campaign_id, change_seq);

-- SQLite cannot change the row being written in a BEFORE trigger: the
-- number is set after, by an UPDATE that sets change_seq and so does not
-- fire the trigger again. A new filing is numbered by the same trigger.
CREATE TRIGGER filings_numbered AFTER UPDATE ON filings
WHEN NEW.change_seq = OLD.change_seq
BEGIN
    INSERT INTO filing_changes (campaign_id, seq) VALUES (NEW.campaign_id, 1)
        ON CONFLICT (campaign_id) DO UPDATE SET seq = seq + 1;
    UPDATE filings SET change_seq = (SELECT seq FROM filing_changes WHERE campaign_id = NEW.campaign_id) WHERE id = NEW.id;
END;
CREATE TRIGGER filings_numbered_insert AFTER INSERT ON filings
BEGIN
    UPDATE filings SET change_seq = change_seq WHERE id = NEW.id;
END;
CREATE TRIGGER filings_numbered_delete AFTER DELETE ON filings
BEGIN
    UPDATE filing_changes SET removed = removed + 1 WHERE campaign_id = OLD.campaign_id;
END;
