-- Where the last pull of source $1 stopped (its state as JSON), if it ever ran.
SELECT state FROM pull_state WHERE source = $1;
