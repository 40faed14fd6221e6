-- One review history for every kind: reports' events gain the revision and
-- item columns filings' have, articles get theirs, and an article edited
-- after approval keeps its approved content public while the edit waits.
ALTER TABLE report_events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_events ADD COLUMN item_uid TEXT NOT NULL DEFAULT '';

CREATE TABLE news_events (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    org_id BIGINT,
    item_uid TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX news_events_article ON news_events(article_id);

ALTER TABLE articles ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN pending TEXT NOT NULL DEFAULT '';
UPDATE articles SET live = 1 WHERE state = 'approved';

-- A report's media stay in the public gallery once it is approved, also
-- while a changed version of it is in review.
ALTER TABLE reports ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
UPDATE reports SET live = 1 WHERE state = 'approved';
