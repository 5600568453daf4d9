-- Records where a pull of source $1 (platform $2) stopped: state $3 (JSON),
-- after batch $4 stored its runs, at time $5.
INSERT OR REPLACE INTO pull_state (source, platform, state, batch_id, pulled_at)
VALUES ($1, $2, $3, $4, $5);
