-- Every published report, newest first, with its body (the list shows each
-- one's headline).
SELECT name, published_at, as_of, period_from, period_to, currency, method_version, sha256, body
FROM published_reports
ORDER BY published_at DESC, name;
