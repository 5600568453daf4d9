-- One row with a column of each type the store hands over to polars
-- (store::frame's unit test): with $1 false every value is NULL, so the
-- column's type can only come from its declaration.
SELECT CASE WHEN $1 THEN 1.5 END::DOUBLE AS x,
       CASE WHEN $1 THEN 2 END::BIGINT AS n,
       CASE WHEN $1 THEN 'a' END::VARCHAR AS s,
       CASE WHEN $1 THEN 1.25 END::DECIMAL(38, 6) AS d,
       CASE WHEN $1 THEN TIMESTAMP '2026-01-01' END::TIMESTAMP AS t,
       CASE WHEN $1 THEN true END::BOOLEAN AS b;
