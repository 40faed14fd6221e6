-- The program's search reads the character lists it keeps with its index
-- in memory, on both databases; the trigram index and the table of short
-- pieces are no longer read, and every approval paid for writing them.
DROP TABLE IF EXISTS program_search;
DROP TABLE IF EXISTS program_grams;
