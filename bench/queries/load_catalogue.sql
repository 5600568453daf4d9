-- The catalogue and time studies as plain tables, for the hand-written metric
-- query: two statements, run one at a time, each binding $1 to its file
-- (the workflows CSV, then the baselines CSV).
CREATE TABLE bench_workflows AS
SELECT * FROM read_csv($1::VARCHAR, types = {'automated_since': 'TIMESTAMP', 'baseline_minutes_per_item': 'DOUBLE',
                                             'hourly_cost': 'DOUBLE', 'sla_response_minutes': 'DOUBLE',
                                             'sla_cycle_minutes': 'DOUBLE'});
CREATE TABLE bench_baselines AS
SELECT * FROM read_csv($1::VARCHAR, types = {'handle_minutes': 'DOUBLE'});
