-- Removes observations that this batch carries again; an observation is
-- identified by study, workflow, time and performer.
DELETE FROM baseline_observations USING stage_baselines s
WHERE baseline_observations.study = s.study
  AND baseline_observations.workflow_id = s.workflow_id
  AND baseline_observations.observed_at = s.observed_at
  AND coalesce(baseline_observations.performer, '') = coalesce(s.performer, '');
