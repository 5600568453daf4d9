-- Steps now in staging: checked against what was appended.
SELECT count(*) FROM stage_steps;
