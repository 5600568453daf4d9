-- Every column of a Parquet file as text, in file order: the rows then go
-- through the same validation as a CSV file's. $1 the file's path.
SELECT COLUMNS(*)::VARCHAR FROM read_parquet($1::VARCHAR);
