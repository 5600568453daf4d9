-- Records a new token: $1 id, $2 name, $3 role, $4 SHA-256 of the secret, $5 now.
INSERT INTO api_tokens VALUES ($1, $2, $3, $4, $5, NULL);
