-- What a campaign has been told unknown values of its choice fields mean (社区居民 → 社会公众), so imports read them.
CREATE TABLE choice_mappings (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    field_key TEXT NOT NULL,
    value_key TEXT NOT NULL,
    value TEXT NOT NULL,
    choice TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, field_key, value_key)
);
