-- The regressions of one week already delivered to the alert webhook.
SELECT workflow_id, metric
FROM alerts_sent
WHERE week_start = ?
