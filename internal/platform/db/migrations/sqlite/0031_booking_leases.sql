-- Places a server has counted out of a slot ahead of the bookings it stores from them, so that two servers sharing a database do not take the slot's row lock for every batch. Each lease is part of its slot's taken; it is renewed while used, handed back when idle, and reclaimed by any server once it has expired (its server stopped without handing it back). Only PostgreSQL deployments use it: on SQLite one writer stores every batch and the table stays empty.
CREATE TABLE booking_leases (
    slot_id INTEGER NOT NULL REFERENCES booking_slots(id) ON DELETE CASCADE,
    holder TEXT NOT NULL,
    places INTEGER NOT NULL CHECK (places > 0),
    expires_at TEXT NOT NULL,
    PRIMARY KEY (slot_id, holder)
);
CREATE INDEX booking_leases_expires ON booking_leases(expires_at);
