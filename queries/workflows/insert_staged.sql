-- Stores the staged catalogue rows under batch $1.
INSERT INTO workflows SELECT *, $1 FROM stage_workflows;
