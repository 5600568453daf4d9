-- One published report by name ($1), with its body.
SELECT name, published_at, as_of, period_from, period_to, currency, method_version, sha256, body
FROM published_reports
WHERE name = $1;
