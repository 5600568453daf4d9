-- Stores the staged rates under batch $1.
INSERT INTO fx_rates SELECT *, $1 FROM stage_fx;
