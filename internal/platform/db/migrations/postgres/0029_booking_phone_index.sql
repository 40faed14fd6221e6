-- A booking wrote five index entries, four of them at random places in
-- their B-trees. The phone's hourly limit and the one booking per phone per
-- slot are now both answered by one unique index keyed on the phone first,
-- over the bookings that are not cancelled (every query by phone counts only
-- those): one random index entry fewer per booking, and about one page
-- fewer a booking in each commit's log. Its name must not contain "code": a
-- unique violation naming the code is a code collision, any other is
-- "already booked".
CREATE UNIQUE INDEX bookings_phone_slot ON bookings(phone_hash, slot_id) WHERE state <> 'cancelled';
DROP INDEX bookings_one_per_phone;
DROP INDEX bookings_phone;
