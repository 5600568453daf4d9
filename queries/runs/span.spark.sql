-- The Spark SQL variant of span.sql: the earliest and latest anchor of the
-- current runs (engine/as_of.spark.sql comes first; :as_of is '').
SELECT min(anchor), max(anchor)
FROM runs_as_of
