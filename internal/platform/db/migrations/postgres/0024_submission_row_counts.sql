-- A level's row on the board above shows how many rows of each table its
-- latest submission holds: counted once when the revision is written,
-- not by decoding every row of it on each board request.
ALTER TABLE submission_revisions ADD COLUMN table1_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submission_revisions ADD COLUMN table2_rows INTEGER NOT NULL DEFAULT 0;
UPDATE submission_revisions SET
    table1_rows = (SELECT COUNT(*) FROM json_array_elements(items::json) e WHERE e->>'table' = '1'),
    table2_rows = (SELECT COUNT(*) FROM json_array_elements(items::json) e WHERE e->>'table' = '2');
