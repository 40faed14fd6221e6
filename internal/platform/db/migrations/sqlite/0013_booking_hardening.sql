-- A venue belongs to the unit that declared it: two units' venues of the
-- same name are two venues, and a unit shares capacity only among its own
-- activities. A venue used by several units so far becomes one venue per
-- unit, and the places each has given out are counted again.
-- Bookings remember, as a keyed hash and a masked label, the address they
-- came from, to bound what one address takes and show its bursts.
CREATE TABLE m0013_venues AS
    SELECT DISTINCT v.id AS old_id, v.campaign_id AS campaign_id, a.unit_code AS org_code, v.name AS name, v.capacity AS capacity
    FROM booking_venues v JOIN booking_rules r ON r.venue_id = v.id JOIN program_activities a ON a.id = r.activity_id;
CREATE TABLE m0013_rules AS
    SELECT r.activity_id AS activity_id, r.venue_id AS old_id, a.unit_code AS org_code
    FROM booking_rules r JOIN program_activities a ON a.id = r.activity_id WHERE r.venue_id IS NOT NULL;

DROP TABLE booking_venue_times;
-- Dropping the venues sets booking_rules.venue_id to NULL; it is set again below.
DROP TABLE booking_venues;

CREATE TABLE booking_venues (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    org_code TEXT NOT NULL,
    name TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    UNIQUE (campaign_id, org_code, name)
);
INSERT INTO booking_venues (campaign_id, org_code, name, capacity)
    SELECT campaign_id, org_code, name, capacity FROM m0013_venues ORDER BY old_id, org_code;
UPDATE booking_rules SET venue_id = (SELECT v.id FROM m0013_rules m
        JOIN m0013_venues o ON o.old_id = m.old_id AND o.org_code = m.org_code
        JOIN booking_venues v ON v.campaign_id = o.campaign_id AND v.org_code = o.org_code AND v.name = o.name
        WHERE m.activity_id = booking_rules.activity_id)
    WHERE activity_id IN (SELECT activity_id FROM m0013_rules);

CREATE TABLE booking_venue_times (
    venue_id BIGINT NOT NULL REFERENCES booking_venues(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (venue_id, start_at)
);
INSERT INTO booking_venue_times (venue_id, start_at, taken)
    SELECT r.venue_id, s.start_at, SUM(s.taken) FROM booking_slots s JOIN booking_rules r ON r.activity_id = s.activity_id
    WHERE r.venue_id IS NOT NULL GROUP BY r.venue_id, s.start_at;

DROP TABLE m0013_rules;
DROP TABLE m0013_venues;

ALTER TABLE bookings ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
ALTER TABLE bookings ADD COLUMN client_label TEXT NOT NULL DEFAULT '';
CREATE INDEX bookings_client ON bookings(slot_id, client_key, created_at);
