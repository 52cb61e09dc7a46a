-- users: registered accounts of the app.
CREATE TABLE users (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    username      varchar(50)  NOT NULL,
    email         varchar(255) NOT NULL,
    password_hash varchar(255) NOT NULL,
    full_name     varchar(100),
    is_active     boolean      NOT NULL DEFAULT true,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION genesis_set_updated_at();

COMMENT ON TABLE users IS 'Users: registered accounts of the Genesis AI app.';
COMMENT ON COLUMN users.id IS 'User id (UUID, generated).';
COMMENT ON COLUMN users.username IS 'Login name, unique.';
COMMENT ON COLUMN users.email IS 'E-mail address, unique.';
COMMENT ON COLUMN users.password_hash IS 'bcrypt hash of the password; the plain password is never stored.';
COMMENT ON COLUMN users.full_name IS 'Display name.';
COMMENT ON COLUMN users.is_active IS 'False when the account is disabled.';
COMMENT ON COLUMN users.created_at IS 'When the account was created.';
COMMENT ON COLUMN users.updated_at IS 'When the row was last updated (maintained by trigger).';
