-- A level's summary report names the typical cases it took from the
-- reports of the level below: the case text and photos are copied at the
-- time they are picked, so the source changing later does not change what
-- was sent upward; the source stays named.
CREATE TABLE report_picks (
    report_id BIGINT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    source_report_id BIGINT NOT NULL REFERENCES reports(id),
    source_org_name TEXT NOT NULL,
    cases TEXT NOT NULL,
    photos TEXT NOT NULL DEFAULT '[]',
    picked_at TEXT NOT NULL,
    PRIMARY KEY (report_id, source_report_id)
);
