-- tasks: the life cycle of every asynchronous postcard generation request; clients poll by task_id.
CREATE TABLE tasks (
    task_id       varchar     NOT NULL,
    postcard_id   bigint,
    user_id       bigint      NOT NULL,
    status        varchar     NOT NULL DEFAULT 'PENDING',
    error_message text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_pkey PRIMARY KEY (task_id),
    CONSTRAINT tasks_postcard_id_fkey FOREIGN KEY (postcard_id)
        REFERENCES postcards (postcard_id) ON DELETE SET NULL,
    CONSTRAINT tasks_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (user_id) ON DELETE CASCADE,
    CONSTRAINT tasks_status_check
        CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')),
    -- The postcard is filled in only when the task succeeds; pending, processing and failed
    -- tasks have none.
    CONSTRAINT tasks_postcard_id_check CHECK (postcard_id IS NULL OR status = 'COMPLETED')
);

-- A user's tasks, and the in-progress ones among them; also serves the foreign key.
CREATE INDEX idx_tasks_user_status ON tasks (user_id, status);
-- Serves the foreign key: deleting a postcard finds its tasks without a full scan.
CREATE INDEX idx_tasks_postcard ON tasks (postcard_id);

CREATE TRIGGER tasks_set_updated_at
    BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION postcard_set_updated_at();

COMMENT ON TABLE tasks IS 'Asynchronous tasks: tracks the life cycle of every postcard generation request; the core of the asynchronous polling mechanism. Owned by postcard-service.';
COMMENT ON COLUMN tasks.task_id IS 'Task id (primary key): given to the client when it submits the request and used to poll the status.';
COMMENT ON COLUMN tasks.postcard_id IS 'The generated postcard, filled in when the task completes successfully; NULL while processing or on failure.';
COMMENT ON COLUMN tasks.user_id IS 'The user who started the task, so that a user''s tasks (especially in-progress ones) can be found without going through postcards.';
COMMENT ON COLUMN tasks.status IS 'Task status: PENDING (submitted, waiting), PROCESSING (the AI agent is working on it), COMPLETED (postcard generated) or FAILED.';
COMMENT ON COLUMN tasks.error_message IS 'Detailed error information when status is FAILED.';
COMMENT ON COLUMN tasks.created_at IS 'Creation time.';
COMMENT ON COLUMN tasks.updated_at IS 'Last update time (maintained by trigger).';
