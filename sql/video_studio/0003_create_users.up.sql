-- users: accounts, with their settings and daily generation quota.
CREATE TABLE users (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    username      varchar(50)  NOT NULL,
    email         varchar(255) NOT NULL,
    password_hash varchar(255) NOT NULL,
    avatar_url    varchar(500),
    settings      jsonb        DEFAULT '{}'::jsonb,
    quota_info    jsonb        DEFAULT '{"daily_limit": 10, "used": 0, "reset_at": null}'::jsonb,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION video_studio_set_updated_at();

COMMENT ON TABLE users IS 'Users. Users and team spaces are managed together; team management is simplified in the MVP.';
COMMENT ON COLUMN users.id IS 'Unique user id.';
COMMENT ON COLUMN users.username IS 'User name, unique.';
COMMENT ON COLUMN users.email IS 'E-mail address, unique.';
COMMENT ON COLUMN users.password_hash IS 'Password hash.';
COMMENT ON COLUMN users.avatar_url IS 'Avatar URL.';
COMMENT ON COLUMN users.settings IS 'User settings (language, theme, ...).';
COMMENT ON COLUMN users.quota_info IS 'Quota information {daily_limit, used, reset_at}.';
COMMENT ON COLUMN users.created_at IS 'Creation time.';
COMMENT ON COLUMN users.updated_at IS 'Last update time (maintained by trigger).';
