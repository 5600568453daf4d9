-- Whether view or table $1 of the lake's in-memory database has column $2
-- (a snapshot written before the column was added has not).
SELECT count(*)
FROM information_schema.columns
WHERE table_name = $1::VARCHAR
  AND column_name = $2::VARCHAR
