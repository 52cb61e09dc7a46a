-- api_keys: the API keys developers call agents with, stored only as a hash and a display prefix.
CREATE TABLE api_keys (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid         NOT NULL,
    key_hash     varchar(64)  NOT NULL,
    key_prefix   varchar(11)  NOT NULL,
    name         varchar(255),
    permissions  jsonb        NOT NULL DEFAULT '{}'::jsonb,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    -- A deleted user's credentials go with the user.
    CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash)
);

-- api_keys_key_hash_key already indexes key_hash, so the design's idx_api_keys_hash is not created.
CREATE INDEX idx_api_keys_user ON api_keys (user_id);

COMMENT ON TABLE api_keys IS 'API keys: developers authenticate agent calls with them; only the hash is stored.';
COMMENT ON COLUMN api_keys.id IS 'API key id.';
COMMENT ON COLUMN api_keys.user_id IS 'The user who owns the key.';
COMMENT ON COLUMN api_keys.key_hash IS 'Hash of the key (64 hex characters); unique.';
COMMENT ON COLUMN api_keys.key_prefix IS 'The first characters of the key, shown so that the user can recognise it.';
COMMENT ON COLUMN api_keys.name IS 'Name the user gave the key.';
COMMENT ON COLUMN api_keys.permissions IS 'Permissions of the key.';
COMMENT ON COLUMN api_keys.last_used_at IS 'Time the key was last used.';
COMMENT ON COLUMN api_keys.revoked_at IS 'Time the key was revoked; NULL while it is valid.';
COMMENT ON COLUMN api_keys.created_at IS 'Creation time.';
