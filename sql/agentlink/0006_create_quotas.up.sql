-- quotas: each user's call quota (one row per user).
CREATE TABLE quotas (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid        NOT NULL,
    total_quota integer     NOT NULL DEFAULT 100,
    used_quota  integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quotas_pkey PRIMARY KEY (id),
    -- The quota belongs to its user and goes with it.
    CONSTRAINT quotas_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT quotas_user_id_key UNIQUE (user_id),
    CONSTRAINT quotas_total_quota_check CHECK (total_quota >= 0),
    CONSTRAINT quotas_used_quota_check CHECK (used_quota >= 0)
);

-- quotas_user_id_key already indexes user_id, so the design's idx_quotas_user is not created.

CREATE TRIGGER quotas_set_updated_at
    BEFORE UPDATE ON quotas
    FOR EACH ROW EXECUTE FUNCTION agentlink_set_updated_at();

COMMENT ON TABLE quotas IS 'Call quotas: one row per user.';
COMMENT ON COLUMN quotas.id IS 'Quota id.';
COMMENT ON COLUMN quotas.user_id IS 'The user the quota belongs to; unique.';
COMMENT ON COLUMN quotas.total_quota IS 'Total quota (number of calls), 100 by default.';
COMMENT ON COLUMN quotas.used_quota IS 'Quota used so far.';
COMMENT ON COLUMN quotas.created_at IS 'Creation time.';
COMMENT ON COLUMN quotas.updated_at IS 'Last update time (maintained by trigger).';
