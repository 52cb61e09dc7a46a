-- sessions: users' login sessions.
CREATE TABLE sessions (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid         NOT NULL,
    session_token varchar(255) NOT NULL,
    refresh_token varchar(255),
    expires_at    timestamptz  NOT NULL,
    last_activity timestamptz  NOT NULL DEFAULT now(),
    created_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- Its unique index serves token lookups; no separate index on session_token.
    CONSTRAINT sessions_session_token_key UNIQUE (session_token)
);

CREATE INDEX idx_sessions_user ON sessions (user_id);

COMMENT ON TABLE sessions IS 'User login sessions.';
COMMENT ON COLUMN sessions.id IS 'Session id.';
COMMENT ON COLUMN sessions.user_id IS 'User id.';
COMMENT ON COLUMN sessions.session_token IS 'Session token, unique.';
COMMENT ON COLUMN sessions.refresh_token IS 'Refresh token.';
COMMENT ON COLUMN sessions.expires_at IS 'Expiry time.';
COMMENT ON COLUMN sessions.last_activity IS 'Time of the last activity.';
COMMENT ON COLUMN sessions.created_at IS 'Creation time.';
