-- A regression delivered to the alert webhook: recorded once (a second
-- delivery of the same one, which the check prevents, changes nothing).
INSERT INTO alerts_sent (workflow_id, metric, week_start, sent_at)
VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING
