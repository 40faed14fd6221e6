-- Booking: rules and time slots of bookable activities, venues whose capacity several activities share, bookings with their waiting list, and the record of erasures.
CREATE TABLE booking_venues (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    UNIQUE (campaign_id, name)
);

CREATE TABLE booking_rules (
    activity_id BIGINT PRIMARY KEY REFERENCES program_activities(id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    max_party INTEGER NOT NULL,
    venue_id BIGINT REFERENCES booking_venues(id) ON DELETE SET NULL,
    online_at TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE booking_slots (
    id INTEGER PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES program_activities(id) ON DELETE CASCADE,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    taken INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0),
    checked_in INTEGER NOT NULL DEFAULT 0,
    UNIQUE (activity_id, start_at)
);
CREATE INDEX booking_slots_start ON booking_slots(campaign_id, start_at);

-- The places a venue has given out to the slots that start at one time.
CREATE TABLE booking_venue_times (
    venue_id BIGINT NOT NULL REFERENCES booking_venues(id) ON DELETE CASCADE,
    start_at TEXT NOT NULL,
    taken INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (venue_id, start_at)
);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    slot_id BIGINT NOT NULL REFERENCES booking_slots(id) ON DELETE CASCADE,
    activity_id BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    party INTEGER NOT NULL,
    children BOOLEAN NOT NULL DEFAULT FALSE,
    name_enc TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_hash TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'zh-CN',
    created_at TEXT NOT NULL,
    promoted_at TEXT,
    cancelled_at TEXT,
    checked_in_at TEXT,
    checked_in_by BIGINT,
    online_at TEXT,
    erased_at TEXT
);
CREATE UNIQUE INDEX bookings_one_per_phone ON bookings(slot_id, phone_hash) WHERE state <> 'cancelled';
CREATE INDEX bookings_queue ON bookings(slot_id, state, id);
CREATE INDEX bookings_phone ON bookings(phone_hash);

CREATE TABLE booking_erasures (
    id INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    bookings INTEGER NOT NULL,
    erased_at TEXT NOT NULL
);
