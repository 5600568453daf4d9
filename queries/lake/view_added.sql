-- The view of table __TABLE__ over the snapshot's lake___TABLE__ (see
-- views.sql), whose files were written before column __COLUMN__ was added:
-- the column is there, empty. Identifiers are written in by store::lake from
-- its own list, never from input.
CREATE VIEW __TABLE__ AS SELECT *, NULL::VARCHAR AS __COLUMN__ FROM lake___TABLE__;
