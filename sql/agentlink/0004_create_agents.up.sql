-- agents: the agents creators publish, with their price per call and encrypted configuration.
CREATE TABLE agents (
    id               uuid           NOT NULL DEFAULT gen_random_uuid(),
    creator_id       uuid           NOT NULL,
    name             varchar(255)   NOT NULL,
    description      text,
    status           varchar(20)    NOT NULL DEFAULT 'draft',
    price_per_call   numeric(10, 6) NOT NULL,
    config_encrypted bytea,
    config_iv        bytea,
    version          integer        NOT NULL DEFAULT 1,
    published_at     timestamptz,
    created_at       timestamptz    NOT NULL DEFAULT now(),
    updated_at       timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT agents_pkey PRIMARY KEY (id),
    -- No ON DELETE action, as designed: a creator who still has agents cannot be deleted.
    CONSTRAINT agents_creator_id_fkey FOREIGN KEY (creator_id) REFERENCES users (id),
    CONSTRAINT agents_status_check CHECK (status IN ('draft', 'active', 'inactive')),
    CONSTRAINT agents_price_per_call_check CHECK (price_per_call >= 0),
    -- The configuration cannot be decrypted without its IV, and an IV alone means nothing.
    CONSTRAINT agents_config_iv_check CHECK ((config_encrypted IS NULL) = (config_iv IS NULL))
);

CREATE INDEX idx_agents_creator ON agents (creator_id);
CREATE INDEX idx_agents_status ON agents (status);

CREATE TRIGGER agents_set_updated_at
    BEFORE UPDATE ON agents
    FOR EACH ROW EXECUTE FUNCTION agentlink_set_updated_at();

COMMENT ON TABLE agents IS 'Agents published by creators and called by developers, billed per call.';
COMMENT ON COLUMN agents.id IS 'Agent id.';
COMMENT ON COLUMN agents.creator_id IS 'The user who created the agent.';
COMMENT ON COLUMN agents.name IS 'Agent name.';
COMMENT ON COLUMN agents.description IS 'Agent description.';
COMMENT ON COLUMN agents.status IS 'Status: draft, active or inactive.';
COMMENT ON COLUMN agents.price_per_call IS 'Price per call; DECIMAL(10, 6) so that price calculations keep their precision.';
COMMENT ON COLUMN agents.config_encrypted IS 'The agent configuration, encrypted.';
COMMENT ON COLUMN agents.config_iv IS 'Initialisation vector of the encrypted configuration.';
COMMENT ON COLUMN agents.version IS 'Agent version, starting at 1.';
COMMENT ON COLUMN agents.published_at IS 'Publication time.';
COMMENT ON COLUMN agents.created_at IS 'Creation time.';
COMMENT ON COLUMN agents.updated_at IS 'Last update time (maintained by trigger).';
