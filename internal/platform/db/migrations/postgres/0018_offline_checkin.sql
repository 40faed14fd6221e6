-- Check-ins made at the door without signal arrive later in a batch. Each
-- is kept under the device's own id, so a batch sent twice is applied once,
-- and its outcome (checked in, already checked in elsewhere, cancelled
-- meanwhile, unknown) is answered again the same way.
CREATE TABLE booking_offline_checkins (
    activity_id BIGINT NOT NULL REFERENCES program_activities(id) ON DELETE CASCADE,
    op_id TEXT NOT NULL,
    code TEXT NOT NULL,
    device TEXT NOT NULL,
    device_at TIMESTAMPTZ NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    synced_by BIGINT,
    synced_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (activity_id, op_id)
);
CREATE INDEX booking_offline_checkins_code ON booking_offline_checkins(code);
