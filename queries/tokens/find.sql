-- The hash and role of a token that is not revoked: $1 token id.
SELECT secret_sha256, role FROM api_tokens WHERE token_id = $1 AND revoked_at IS NULL;
