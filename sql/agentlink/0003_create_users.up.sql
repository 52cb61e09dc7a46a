-- users: platform accounts (agent creators, developers who call agents, administrators).
CREATE TABLE users (
    id             uuid         NOT NULL DEFAULT gen_random_uuid(),
    email          varchar(255) NOT NULL,
    password_hash  varchar(255) NOT NULL,
    user_type      varchar(20)  NOT NULL,
    wallet_address varchar(42),
    email_verified boolean      NOT NULL DEFAULT false,
    created_at     timestamptz  NOT NULL DEFAULT now(),
    updated_at     timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_user_type_check CHECK (user_type IN ('creator', 'developer', 'admin'))
);

-- users_email_key already indexes email, so the design's idx_users_email is not created.
CREATE INDEX idx_users_wallet ON users (wallet_address) WHERE wallet_address IS NOT NULL;

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION agentlink_set_updated_at();

COMMENT ON TABLE users IS 'Users of the AgentLink platform: agent creators, developers and administrators.';
COMMENT ON COLUMN users.id IS 'User id.';
COMMENT ON COLUMN users.email IS 'Login e-mail address; unique.';
COMMENT ON COLUMN users.password_hash IS 'Password hash.';
COMMENT ON COLUMN users.user_type IS 'User type: creator, developer or admin.';
COMMENT ON COLUMN users.wallet_address IS 'Wallet address (up to 42 characters, e.g. 0x and 40 hex digits), if the user has linked one.';
COMMENT ON COLUMN users.email_verified IS 'Whether the e-mail address has been verified.';
COMMENT ON COLUMN users.created_at IS 'Creation time.';
COMMENT ON COLUMN users.updated_at IS 'Last update time (maintained by trigger).';
