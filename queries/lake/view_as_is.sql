-- The view of table __TABLE__ over the snapshot's lake___TABLE__ (see
-- views.sql), whose files have every column. Identifiers are written in by
-- store::lake from its own list, never from input.
CREATE VIEW __TABLE__ AS SELECT * FROM lake___TABLE__;
