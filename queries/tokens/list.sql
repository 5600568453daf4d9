-- Every token, newest first; never the hash.
SELECT token_id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at DESC, token_id;
