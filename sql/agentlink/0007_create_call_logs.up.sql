-- call_logs: one row per agent call, with its tokens, cost, latency and outcome (the billing record).
CREATE TABLE call_logs (
    id              uuid           NOT NULL DEFAULT gen_random_uuid(),
    agent_id        uuid           NOT NULL,
    user_id         uuid           NOT NULL,
    api_key_id      uuid,
    request_tokens  integer,
    response_tokens integer,
    total_tokens    integer,
    cost            numeric(10, 6),
    latency_ms      integer,
    status          varchar(20)    NOT NULL,
    error_message   text,
    correlation_id  varchar(36),
    created_at      timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT call_logs_pkey PRIMARY KEY (id),
    -- No ON DELETE action on agent and user, as designed: billing records are never deleted as a
    -- side effect, so an agent or user with calls cannot be deleted.
    CONSTRAINT call_logs_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT call_logs_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    -- A deleted key leaves its calls behind, no longer pointing at it.
    CONSTRAINT call_logs_api_key_id_fkey FOREIGN KEY (api_key_id)
        REFERENCES api_keys (id) ON DELETE SET NULL
);

CREATE INDEX idx_call_logs_agent ON call_logs (agent_id);
CREATE INDEX idx_call_logs_user ON call_logs (user_id);
CREATE INDEX idx_call_logs_created ON call_logs (created_at);
-- Serves the foreign key: deleting a key finds its calls without a full scan.
CREATE INDEX idx_call_logs_api_key ON call_logs (api_key_id);

COMMENT ON TABLE call_logs IS 'Call logs: one row per agent call, the record that billing and statistics are computed from.';
COMMENT ON COLUMN call_logs.id IS 'Call log id.';
COMMENT ON COLUMN call_logs.agent_id IS 'The agent that was called.';
COMMENT ON COLUMN call_logs.user_id IS 'The user who made the call.';
COMMENT ON COLUMN call_logs.api_key_id IS 'The API key the call was made with; NULL if the key has been deleted.';
COMMENT ON COLUMN call_logs.request_tokens IS 'Tokens in the request.';
COMMENT ON COLUMN call_logs.response_tokens IS 'Tokens in the response.';
COMMENT ON COLUMN call_logs.total_tokens IS 'Total tokens.';
COMMENT ON COLUMN call_logs.cost IS 'Cost of the call.';
COMMENT ON COLUMN call_logs.latency_ms IS 'Latency in milliseconds.';
COMMENT ON COLUMN call_logs.status IS 'Outcome of the call.';
COMMENT ON COLUMN call_logs.error_message IS 'Error message, if the call failed.';
COMMENT ON COLUMN call_logs.correlation_id IS 'Correlation id (36 characters, a UUID in text form) for tracing the call across services.';
COMMENT ON COLUMN call_logs.created_at IS 'Time of the call.';
