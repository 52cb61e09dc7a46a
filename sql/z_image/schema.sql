-- Schema written by schemactl dump: objects only; no data, owners or privileges.
-- Function bodies are checked when they run, so functions can precede their tables.
SET check_function_bodies = false;


-- Extensions

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;


-- Functions

CREATE OR REPLACE FUNCTION public.z_image_set_updated_at()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$function$;

COMMENT ON FUNCTION public.z_image_set_updated_at() IS 'BEFORE UPDATE trigger function: sets updated_at to now().';


-- Tables

CREATE TABLE public.api_clients (
    id text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL,
    api_key_hash text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT api_clients_pkey PRIMARY KEY (id),
    CONSTRAINT api_clients_role_check CHECK (role = ANY (ARRAY['admin'::text, 'first_party'::text, 'third_party'::text]))
);

COMMENT ON TABLE public.api_clients IS 'API callers (the front end, third-party applications, ...): maps an X-Auth-Key to a stable client id without storing the key in clear. A row is inserted the first time a key is seen: the admin key becomes id ''admin'' with role admin, any other key ''key_<first 8 hash chars>'' with role first_party.';

COMMENT ON COLUMN public.api_clients.id IS 'Logical client id, e.g. admin or key_ab12cd34.';

COMMENT ON COLUMN public.api_clients.display_name IS 'Display name, e.g. Admin or API Key ab12cd34.';

COMMENT ON COLUMN public.api_clients.role IS 'Client role: admin (admin key, may see all history), first_party (this product''s own front end or internal services) or third_party (external integrations).';

COMMENT ON COLUMN public.api_clients.api_key_hash IS 'SHA-256 hash of the X-Auth-Key; unique.';

COMMENT ON COLUMN public.api_clients.is_active IS 'Whether the client is enabled.';

COMMENT ON COLUMN public.api_clients.created_at IS 'Creation time.';

COMMENT ON COLUMN public.api_clients.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.image_generation_batches (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    api_client_id text,
    caller_label text,
    prompt text NOT NULL,
    negative_prompt text,
    width integer NOT NULL,
    height integer NOT NULL,
    num_inference_steps integer NOT NULL,
    guidance_scale double precision NOT NULL,
    base_seed bigint,
    batch_size integer NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    success_count integer DEFAULT 0 NOT NULL,
    failed_count integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    metadata jsonb,
    CONSTRAINT image_generation_batches_batch_size_check CHECK (batch_size >= 1),
    CONSTRAINT image_generation_batches_counts_check CHECK (success_count >= 0 AND failed_count >= 0 AND (success_count + failed_count) <= batch_size),
    CONSTRAINT image_generation_batches_pkey PRIMARY KEY (id),
    CONSTRAINT image_generation_batches_status_check CHECK (status = ANY (ARRAY['pending'::text, 'running'::text, 'success'::text, 'partial'::text, 'error'::text, 'cancelled'::text]))
);

COMMENT ON TABLE public.image_generation_batches IS 'Generation batches: one row per click on "generate", usually 1..N images. /v1/history returns history by batch, one entry per row; success_count / batch_size gives "X of N done".';

COMMENT ON COLUMN public.image_generation_batches.id IS 'Batch id; the front end''s metadata.batch_id when it sends one, otherwise generated.';

COMMENT ON COLUMN public.image_generation_batches.api_client_id IS 'The client that triggered the batch.';

COMMENT ON COLUMN public.image_generation_batches.caller_label IS 'Reserved, e.g. for the caller''s user_id.';

COMMENT ON COLUMN public.image_generation_batches.prompt IS 'Prompt (shared by every image in the batch).';

COMMENT ON COLUMN public.image_generation_batches.negative_prompt IS 'Negative prompt.';

COMMENT ON COLUMN public.image_generation_batches.width IS 'Image width in pixels.';

COMMENT ON COLUMN public.image_generation_batches.height IS 'Image height in pixels.';

COMMENT ON COLUMN public.image_generation_batches.num_inference_steps IS 'Number of inference steps.';

COMMENT ON COLUMN public.image_generation_batches.guidance_scale IS 'Guidance scale.';

COMMENT ON COLUMN public.image_generation_batches.base_seed IS 'The derived base seed (usually that of the image with index 0).';

COMMENT ON COLUMN public.image_generation_batches.batch_size IS 'Number of images planned in the batch.';

COMMENT ON COLUMN public.image_generation_batches.status IS 'Aggregate internal status: pending, running, success, partial, error or cancelled.';

COMMENT ON COLUMN public.image_generation_batches.success_count IS 'Number of images generated successfully.';

COMMENT ON COLUMN public.image_generation_batches.failed_count IS 'Number of images that failed.';

COMMENT ON COLUMN public.image_generation_batches.created_at IS 'Creation time.';

COMMENT ON COLUMN public.image_generation_batches.completed_at IS 'Completion time.';

COMMENT ON COLUMN public.image_generation_batches.metadata IS 'Extra parameters (model version, device information, ...) agreed between front end and back end.';

CREATE TABLE public.image_generation_tasks (
    task_id text NOT NULL,
    batch_id uuid NOT NULL,
    batch_index integer NOT NULL,
    seed bigint,
    status text NOT NULL,
    error_code text,
    error_hint text,
    error_message text,
    prompt text NOT NULL,
    negative_prompt text,
    width integer NOT NULL,
    height integer NOT NULL,
    num_inference_steps integer NOT NULL,
    guidance_scale double precision NOT NULL,
    cfg_normalization boolean,
    cfg_truncation double precision,
    max_sequence_length integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    image_id text,
    output_path text,
    preview_path text,
    relative_path text,
    preview_relative_path text,
    metadata jsonb,
    CONSTRAINT image_generation_tasks_batch_index_check CHECK (batch_index >= 0),
    CONSTRAINT image_generation_tasks_pkey PRIMARY KEY (task_id),
    CONSTRAINT image_generation_tasks_status_check CHECK (status = ANY (ARRAY['pending'::text, 'running'::text, 'success'::text, 'error'::text, 'cancelled'::text]))
);

COMMENT ON TABLE public.image_generation_tasks IS 'Generation tasks: one row per generated image, i.e. one Celery task. The worker updates this table and the batch aggregates when a task starts, succeeds or fails.';

COMMENT ON COLUMN public.image_generation_tasks.task_id IS 'Celery task id.';

COMMENT ON COLUMN public.image_generation_tasks.batch_id IS 'The batch the image belongs to; deleting the batch deletes its tasks.';

COMMENT ON COLUMN public.image_generation_tasks.batch_index IS 'Position in the batch (0, 1, 2, ...).';

COMMENT ON COLUMN public.image_generation_tasks.seed IS 'The random seed actually used.';

COMMENT ON COLUMN public.image_generation_tasks.status IS 'Status: pending, running, success, error or cancelled.';

COMMENT ON COLUMN public.image_generation_tasks.error_code IS 'Error code.';

COMMENT ON COLUMN public.image_generation_tasks.error_hint IS 'Error hint.';

COMMENT ON COLUMN public.image_generation_tasks.error_message IS 'Error message.';

COMMENT ON COLUMN public.image_generation_tasks.prompt IS 'Prompt.';

COMMENT ON COLUMN public.image_generation_tasks.negative_prompt IS 'Negative prompt.';

COMMENT ON COLUMN public.image_generation_tasks.width IS 'Image width in pixels.';

COMMENT ON COLUMN public.image_generation_tasks.height IS 'Image height in pixels.';

COMMENT ON COLUMN public.image_generation_tasks.num_inference_steps IS 'Number of inference steps.';

COMMENT ON COLUMN public.image_generation_tasks.guidance_scale IS 'Guidance scale.';

COMMENT ON COLUMN public.image_generation_tasks.cfg_normalization IS 'CFG normalization switch.';

COMMENT ON COLUMN public.image_generation_tasks.cfg_truncation IS 'CFG truncation.';

COMMENT ON COLUMN public.image_generation_tasks.max_sequence_length IS 'Maximum sequence length.';

COMMENT ON COLUMN public.image_generation_tasks.created_at IS 'Creation time.';

COMMENT ON COLUMN public.image_generation_tasks.finished_at IS 'Finish time.';

COMMENT ON COLUMN public.image_generation_tasks.image_id IS 'Image id.';

COMMENT ON COLUMN public.image_generation_tasks.output_path IS 'Output path of the image.';

COMMENT ON COLUMN public.image_generation_tasks.preview_path IS 'Path of the preview image.';

COMMENT ON COLUMN public.image_generation_tasks.relative_path IS 'Relative path of the image.';

COMMENT ON COLUMN public.image_generation_tasks.preview_relative_path IS 'Relative path of the preview image.';

COMMENT ON COLUMN public.image_generation_tasks.metadata IS 'Raw metadata from the worker.';


-- Constraints

ALTER TABLE public.image_generation_batches ADD CONSTRAINT image_generation_batches_api_client_id_fkey FOREIGN KEY (api_client_id) REFERENCES public.api_clients(id);

ALTER TABLE public.image_generation_tasks ADD CONSTRAINT image_generation_tasks_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES public.image_generation_batches(id) ON DELETE CASCADE;


-- Indexes

CREATE UNIQUE INDEX idx_api_clients_key_hash ON public.api_clients USING btree (api_key_hash);

CREATE INDEX idx_image_generation_batches_client_created ON public.image_generation_batches USING btree (api_client_id, created_at DESC);

CREATE INDEX idx_image_generation_tasks_batch ON public.image_generation_tasks USING btree (batch_id, batch_index);

CREATE INDEX idx_image_generation_tasks_status ON public.image_generation_tasks USING btree (status);


-- Triggers

CREATE TRIGGER api_clients_set_updated_at BEFORE UPDATE ON public.api_clients FOR EACH ROW EXECUTE FUNCTION public.z_image_set_updated_at();
