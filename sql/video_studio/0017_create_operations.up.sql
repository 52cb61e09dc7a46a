-- operations: the log of key operations, for auditing and debugging.
CREATE TABLE operations (
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id        uuid,
    operation_type varchar(50) NOT NULL,
    target_type    varchar(50) NOT NULL,
    target_id      uuid,
    description    text,
    request_data   jsonb,
    response_data  jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT operations_pkey PRIMARY KEY (id),
    CONSTRAINT operations_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX idx_operations_user ON operations (user_id);
CREATE INDEX idx_operations_target ON operations (target_type, target_id);
CREATE INDEX idx_operations_created ON operations (created_at DESC);

COMMENT ON TABLE operations IS 'Operation log (optional in the design): records every key operation for auditing and debugging; replaces editing_history, and with export_files replaces export_history and download_records.';
COMMENT ON COLUMN operations.id IS 'Unique log entry id.';
COMMENT ON COLUMN operations.user_id IS 'Id of the user who performed the operation; set to NULL when the user is deleted.';
COMMENT ON COLUMN operations.operation_type IS 'Operation type.';
COMMENT ON COLUMN operations.target_type IS 'Target type.';
COMMENT ON COLUMN operations.target_id IS 'Target id.';
COMMENT ON COLUMN operations.description IS 'Operation description.';
COMMENT ON COLUMN operations.request_data IS 'Request parameters.';
COMMENT ON COLUMN operations.response_data IS 'Response data.';
COMMENT ON COLUMN operations.created_at IS 'Creation time.';
