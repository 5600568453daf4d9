-- Stores a published report once: nothing when the name is taken (the caller
-- says so). $1 name, $2 published_at, $3 as_of, $4 period_from, $5 period_to,
-- $6 currency, $7 method_version, $8 sha256, $9 body.
INSERT INTO published_reports
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (name) DO NOTHING;
