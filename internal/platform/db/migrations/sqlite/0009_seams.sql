-- Filed open days become bookable: slots made from the filed 开放时间 are marked, and a slot a later revision changed while it had bookings carries a flag for its unit. Summary reports the organiser opened early for one unit.
ALTER TABLE booking_slots ADD COLUMN from_filing BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE booking_slots ADD COLUMN flag TEXT NOT NULL DEFAULT '';
ALTER TABLE booking_slots ADD COLUMN flag_detail TEXT NOT NULL DEFAULT '';

-- One approved item offering sessions to book, as last made bookable: its sessions and places as filed, or the time its unit wrote that could not be read.
CREATE TABLE booking_filed (
    ref TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    unit_code TEXT NOT NULL,
    activity_id BIGINT REFERENCES program_activities(id) ON DELETE SET NULL,
    title TEXT NOT NULL DEFAULT '',
    sessions TEXT NOT NULL DEFAULT '[]',
    capacity INTEGER NOT NULL DEFAULT 0,
    problem TEXT NOT NULL DEFAULT '',
    removed BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TEXT NOT NULL
);
CREATE INDEX booking_filed_unit ON booking_filed(campaign_id, unit_code);
CREATE INDEX booking_filed_source ON booking_filed(source);

CREATE TABLE report_early_opens (
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    opens_at TEXT NOT NULL,
    granted_by BIGINT,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, org_id)
);
