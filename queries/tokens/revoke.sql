-- Revokes a token: $1 token id, $2 now.
UPDATE api_tokens SET revoked_at = $2 WHERE token_id = $1 AND revoked_at IS NULL;
