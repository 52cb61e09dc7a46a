-- Schema written by schemactl dump: objects only; no data, owners or privileges.
-- Function bodies are checked when they run, so functions can precede their tables.
SET check_function_bodies = false;


-- Extensions

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;


-- Functions

CREATE OR REPLACE FUNCTION public.agentlink_set_updated_at()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$function$;

COMMENT ON FUNCTION public.agentlink_set_updated_at() IS 'BEFORE UPDATE trigger function: sets updated_at to now().';


-- Tables

CREATE TABLE public.agents (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    creator_id uuid NOT NULL,
    name character varying(255) NOT NULL,
    description text,
    status character varying(20) DEFAULT 'draft'::character varying NOT NULL,
    price_per_call numeric(10,6) NOT NULL,
    config_encrypted bytea,
    config_iv bytea,
    version integer DEFAULT 1 NOT NULL,
    published_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT agents_config_iv_check CHECK ((config_encrypted IS NULL) = (config_iv IS NULL)),
    CONSTRAINT agents_pkey PRIMARY KEY (id),
    CONSTRAINT agents_price_per_call_check CHECK (price_per_call >= 0::numeric),
    CONSTRAINT agents_status_check CHECK (status::text = ANY (ARRAY['draft'::character varying, 'active'::character varying, 'inactive'::character varying]::text[]))
);

COMMENT ON TABLE public.agents IS 'Agents published by creators and called by developers, billed per call.';

COMMENT ON COLUMN public.agents.id IS 'Agent id.';

COMMENT ON COLUMN public.agents.creator_id IS 'The user who created the agent.';

COMMENT ON COLUMN public.agents.name IS 'Agent name.';

COMMENT ON COLUMN public.agents.description IS 'Agent description.';

COMMENT ON COLUMN public.agents.status IS 'Status: draft, active or inactive.';

COMMENT ON COLUMN public.agents.price_per_call IS 'Price per call; DECIMAL(10, 6) so that price calculations keep their precision.';

COMMENT ON COLUMN public.agents.config_encrypted IS 'The agent configuration, encrypted.';

COMMENT ON COLUMN public.agents.config_iv IS 'Initialisation vector of the encrypted configuration.';

COMMENT ON COLUMN public.agents.version IS 'Agent version, starting at 1.';

COMMENT ON COLUMN public.agents.published_at IS 'Publication time.';

COMMENT ON COLUMN public.agents.created_at IS 'Creation time.';

COMMENT ON COLUMN public.agents.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.api_keys (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    key_hash character varying(64) NOT NULL,
    key_prefix character varying(11) NOT NULL,
    name character varying(255),
    permissions jsonb DEFAULT '{}'::jsonb NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash),
    CONSTRAINT api_keys_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.api_keys IS 'API keys: developers authenticate agent calls with them; only the hash is stored.';

COMMENT ON COLUMN public.api_keys.id IS 'API key id.';

COMMENT ON COLUMN public.api_keys.user_id IS 'The user who owns the key.';

COMMENT ON COLUMN public.api_keys.key_hash IS 'Hash of the key (64 hex characters); unique.';

COMMENT ON COLUMN public.api_keys.key_prefix IS 'The first characters of the key, shown so that the user can recognise it.';

COMMENT ON COLUMN public.api_keys.name IS 'Name the user gave the key.';

COMMENT ON COLUMN public.api_keys.permissions IS 'Permissions of the key.';

COMMENT ON COLUMN public.api_keys.last_used_at IS 'Time the key was last used.';

COMMENT ON COLUMN public.api_keys.revoked_at IS 'Time the key was revoked; NULL while it is valid.';

COMMENT ON COLUMN public.api_keys.created_at IS 'Creation time.';

CREATE TABLE public.call_logs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    agent_id uuid NOT NULL,
    user_id uuid NOT NULL,
    api_key_id uuid,
    request_tokens integer,
    response_tokens integer,
    total_tokens integer,
    cost numeric(10,6),
    latency_ms integer,
    status character varying(20) NOT NULL,
    error_message text,
    correlation_id character varying(36),
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT call_logs_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.call_logs IS 'Call logs: one row per agent call, the record that billing and statistics are computed from.';

COMMENT ON COLUMN public.call_logs.id IS 'Call log id.';

COMMENT ON COLUMN public.call_logs.agent_id IS 'The agent that was called.';

COMMENT ON COLUMN public.call_logs.user_id IS 'The user who made the call.';

COMMENT ON COLUMN public.call_logs.api_key_id IS 'The API key the call was made with; NULL if the key has been deleted.';

COMMENT ON COLUMN public.call_logs.request_tokens IS 'Tokens in the request.';

COMMENT ON COLUMN public.call_logs.response_tokens IS 'Tokens in the response.';

COMMENT ON COLUMN public.call_logs.total_tokens IS 'Total tokens.';

COMMENT ON COLUMN public.call_logs.cost IS 'Cost of the call.';

COMMENT ON COLUMN public.call_logs.latency_ms IS 'Latency in milliseconds.';

COMMENT ON COLUMN public.call_logs.status IS 'Outcome of the call.';

COMMENT ON COLUMN public.call_logs.error_message IS 'Error message, if the call failed.';

COMMENT ON COLUMN public.call_logs.correlation_id IS 'Correlation id (36 characters, a UUID in text form) for tracing the call across services.';

COMMENT ON COLUMN public.call_logs.created_at IS 'Time of the call.';

CREATE TABLE public.quotas (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    total_quota integer DEFAULT 100 NOT NULL,
    used_quota integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT quotas_pkey PRIMARY KEY (id),
    CONSTRAINT quotas_total_quota_check CHECK (total_quota >= 0),
    CONSTRAINT quotas_used_quota_check CHECK (used_quota >= 0),
    CONSTRAINT quotas_user_id_key UNIQUE (user_id)
);

COMMENT ON TABLE public.quotas IS 'Call quotas: one row per user.';

COMMENT ON COLUMN public.quotas.id IS 'Quota id.';

COMMENT ON COLUMN public.quotas.user_id IS 'The user the quota belongs to; unique.';

COMMENT ON COLUMN public.quotas.total_quota IS 'Total quota (number of calls), 100 by default.';

COMMENT ON COLUMN public.quotas.used_quota IS 'Quota used so far.';

COMMENT ON COLUMN public.quotas.created_at IS 'Creation time.';

COMMENT ON COLUMN public.quotas.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email character varying(255) NOT NULL,
    password_hash character varying(255) NOT NULL,
    user_type character varying(20) NOT NULL,
    wallet_address character varying(42),
    email_verified boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_user_type_check CHECK (user_type::text = ANY (ARRAY['creator'::character varying, 'developer'::character varying, 'admin'::character varying]::text[]))
);

COMMENT ON TABLE public.users IS 'Users of the AgentLink platform: agent creators, developers and administrators.';

COMMENT ON COLUMN public.users.id IS 'User id.';

COMMENT ON COLUMN public.users.email IS 'Login e-mail address; unique.';

COMMENT ON COLUMN public.users.password_hash IS 'Password hash.';

COMMENT ON COLUMN public.users.user_type IS 'User type: creator, developer or admin.';

COMMENT ON COLUMN public.users.wallet_address IS 'Wallet address (up to 42 characters, e.g. 0x and 40 hex digits), if the user has linked one.';

COMMENT ON COLUMN public.users.email_verified IS 'Whether the e-mail address has been verified.';

COMMENT ON COLUMN public.users.created_at IS 'Creation time.';

COMMENT ON COLUMN public.users.updated_at IS 'Last update time (maintained by trigger).';


-- Constraints

ALTER TABLE public.agents ADD CONSTRAINT agents_creator_id_fkey FOREIGN KEY (creator_id) REFERENCES public.users(id);

ALTER TABLE public.api_keys ADD CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE public.call_logs ADD CONSTRAINT call_logs_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES public.agents(id);

ALTER TABLE public.call_logs ADD CONSTRAINT call_logs_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES public.api_keys(id) ON DELETE SET NULL;

ALTER TABLE public.call_logs ADD CONSTRAINT call_logs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE public.quotas ADD CONSTRAINT quotas_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


-- Indexes

CREATE INDEX idx_agents_creator ON public.agents USING btree (creator_id);

CREATE INDEX idx_agents_status ON public.agents USING btree (status);

CREATE INDEX idx_api_keys_user ON public.api_keys USING btree (user_id);

CREATE INDEX idx_call_logs_agent ON public.call_logs USING btree (agent_id);

CREATE INDEX idx_call_logs_api_key ON public.call_logs USING btree (api_key_id);

CREATE INDEX idx_call_logs_created ON public.call_logs USING btree (created_at);

CREATE INDEX idx_call_logs_user ON public.call_logs USING btree (user_id);

CREATE INDEX idx_users_wallet ON public.users USING btree (wallet_address) WHERE (wallet_address IS NOT NULL);


-- Triggers

CREATE TRIGGER agents_set_updated_at BEFORE UPDATE ON public.agents FOR EACH ROW EXECUTE FUNCTION public.agentlink_set_updated_at();

CREATE TRIGGER quotas_set_updated_at BEFORE UPDATE ON public.quotas FOR EACH ROW EXECUTE FUNCTION public.agentlink_set_updated_at();

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.agentlink_set_updated_at();
