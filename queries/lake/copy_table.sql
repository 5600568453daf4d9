-- One whole table of the store into the lake, as one Parquet file:
-- __TABLE__ is one of the fixed names of lake::TABLES, __TARGET__ the file,
-- both written in by store::lake (COPY takes no parameters).
COPY (SELECT * FROM __TABLE__) TO '__TARGET__' (FORMAT parquet, COMPRESSION zstd);
