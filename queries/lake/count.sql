-- The rows of one table of the store, to check a lake snapshot against;
-- __TABLE__ is one of the fixed names of lake::TABLES.
SELECT count(*) FROM __TABLE__;
