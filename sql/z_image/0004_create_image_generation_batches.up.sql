-- schemactl:idempotent
-- image_generation_batches: one row per click on "generate" (1..N images), with the shared
-- parameters and the aggregate status shown by /v1/history.
CREATE TABLE IF NOT EXISTS image_generation_batches (
    id                  uuid             NOT NULL DEFAULT gen_random_uuid(),
    api_client_id       text,
    caller_label        text,
    prompt              text             NOT NULL,
    negative_prompt     text,
    width               integer          NOT NULL,
    height              integer          NOT NULL,
    num_inference_steps integer          NOT NULL,
    guidance_scale      double precision NOT NULL,
    base_seed           bigint,
    batch_size          integer          NOT NULL,
    status              text             NOT NULL DEFAULT 'pending',
    success_count       integer          NOT NULL DEFAULT 0,
    failed_count        integer          NOT NULL DEFAULT 0,
    created_at          timestamptz      NOT NULL DEFAULT now(),
    completed_at        timestamptz,
    metadata            jsonb,
    CONSTRAINT image_generation_batches_pkey PRIMARY KEY (id),
    -- No ON DELETE action, as designed: a client with history is deactivated
    -- (api_clients.is_active), not deleted.
    CONSTRAINT image_generation_batches_api_client_id_fkey FOREIGN KEY (api_client_id)
        REFERENCES api_clients (id),
    CONSTRAINT image_generation_batches_status_check
        CHECK (status IN ('pending', 'running', 'success', 'partial', 'error', 'cancelled')),
    CONSTRAINT image_generation_batches_batch_size_check CHECK (batch_size >= 1),
    -- "X of N done": the counters never go negative and never exceed the batch size together.
    CONSTRAINT image_generation_batches_counts_check
        CHECK (success_count >= 0 AND failed_count >= 0
               AND success_count + failed_count <= batch_size)
);

-- A client's recent batches, newest first; also serves the foreign key.
CREATE INDEX IF NOT EXISTS idx_image_generation_batches_client_created
    ON image_generation_batches (api_client_id, created_at DESC);

COMMENT ON TABLE image_generation_batches IS 'Generation batches: one row per click on "generate", usually 1..N images. /v1/history returns history by batch, one entry per row; success_count / batch_size gives "X of N done".';
COMMENT ON COLUMN image_generation_batches.id IS 'Batch id; the front end''s metadata.batch_id when it sends one, otherwise generated.';
COMMENT ON COLUMN image_generation_batches.api_client_id IS 'The client that triggered the batch.';
COMMENT ON COLUMN image_generation_batches.caller_label IS 'Reserved, e.g. for the caller''s user_id.';
COMMENT ON COLUMN image_generation_batches.prompt IS 'Prompt (shared by every image in the batch).';
COMMENT ON COLUMN image_generation_batches.negative_prompt IS 'Negative prompt.';
COMMENT ON COLUMN image_generation_batches.width IS 'Image width in pixels.';
COMMENT ON COLUMN image_generation_batches.height IS 'Image height in pixels.';
COMMENT ON COLUMN image_generation_batches.num_inference_steps IS 'Number of inference steps.';
COMMENT ON COLUMN image_generation_batches.guidance_scale IS 'Guidance scale.';
COMMENT ON COLUMN image_generation_batches.base_seed IS 'The derived base seed (usually that of the image with index 0).';
COMMENT ON COLUMN image_generation_batches.batch_size IS 'Number of images planned in the batch.';
COMMENT ON COLUMN image_generation_batches.status IS 'Aggregate internal status: pending, running, success, partial, error or cancelled.';
COMMENT ON COLUMN image_generation_batches.success_count IS 'Number of images generated successfully.';
COMMENT ON COLUMN image_generation_batches.failed_count IS 'Number of images that failed.';
COMMENT ON COLUMN image_generation_batches.created_at IS 'Creation time.';
COMMENT ON COLUMN image_generation_batches.completed_at IS 'Completion time.';
COMMENT ON COLUMN image_generation_batches.metadata IS 'Extra parameters (model version, device information, ...) agreed between front end and back end.';
