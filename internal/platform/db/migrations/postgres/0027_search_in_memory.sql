-- The program's search reads the character lists it keeps with its index
-- in memory, on both databases; the trigram index is no longer read, and
-- every approval paid for keeping it.
DROP INDEX IF EXISTS program_activities_search;
