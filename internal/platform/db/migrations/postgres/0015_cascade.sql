-- Campaigns in a chain: the national campaign, each province's below it,
-- each city's below that. A child keeps its parent for life.
ALTER TABLE campaigns ADD COLUMN parent_id BIGINT REFERENCES campaigns(id);
CREATE INDEX campaigns_parent ON campaigns(parent_id);

-- An activity names the province and the city it belongs to, so a parent
-- campaign's program can be narrowed to one of them.
ALTER TABLE program_activities ADD COLUMN province_code TEXT NOT NULL DEFAULT '';
ALTER TABLE program_activities ADD COLUMN province_name TEXT NOT NULL DEFAULT '';
ALTER TABLE program_activities ADD COLUMN city_code TEXT NOT NULL DEFAULT '';
ALTER TABLE program_activities ADD COLUMN city_name TEXT NOT NULL DEFAULT '';
