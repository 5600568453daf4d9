-- The version of the DuckDB engine this binary bundles, and its source id.
SELECT library_version, source_id FROM pragma_version();
