-- Schema written by schemactl dump: objects only; no data, owners or privileges.
-- Function bodies are checked when they run, so functions can precede their tables.
SET check_function_bodies = false;


-- Extensions

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;


-- Functions

CREATE OR REPLACE FUNCTION public.video_studio_set_updated_at()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$function$;

COMMENT ON FUNCTION public.video_studio_set_updated_at() IS 'BEFORE UPDATE trigger function: sets updated_at to now().';


-- Tables

CREATE TABLE public.assets (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    asset_type character varying(20) NOT NULL,
    asset_name character varying(200) NOT NULL,
    description text,
    content_url character varying(500),
    thumbnail_url character varying(500),
    prompt_template text,
    attributes jsonb DEFAULT '{}'::jsonb NOT NULL,
    is_preset boolean DEFAULT false NOT NULL,
    is_public boolean DEFAULT false NOT NULL,
    usage_count integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT assets_asset_type_check CHECK (asset_type::text = ANY (ARRAY['character'::character varying, 'style'::character varying, 'voice'::character varying, 'music'::character varying]::text[])),
    CONSTRAINT assets_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.assets IS 'Asset library: characters, styles, voices and music in one table; merges character_assets, style_assets, voice_assets and music_assets. Preset styles are rows with is_preset = true.';

COMMENT ON COLUMN public.assets.id IS 'Unique asset id.';

COMMENT ON COLUMN public.assets.user_id IS 'Id of the owning user.';

COMMENT ON COLUMN public.assets.asset_type IS 'Type: character, style, voice or music.';

COMMENT ON COLUMN public.assets.asset_name IS 'Asset name.';

COMMENT ON COLUMN public.assets.description IS 'Description.';

COMMENT ON COLUMN public.assets.content_url IS 'Content URL (image or audio).';

COMMENT ON COLUMN public.assets.thumbnail_url IS 'Thumbnail URL.';

COMMENT ON COLUMN public.assets.prompt_template IS 'Prompt template (style or character).';

COMMENT ON COLUMN public.assets.attributes IS 'Type-specific attributes (character: gender, personality, images; style: preview_url, keywords, color_palette; voice: voice_id, gender, age_range, language; music: duration, genre, mood, tempo).';

COMMENT ON COLUMN public.assets.is_preset IS 'Whether this is a preset asset.';

COMMENT ON COLUMN public.assets.is_public IS 'Whether the asset is public.';

COMMENT ON COLUMN public.assets.usage_count IS 'Number of uses.';

COMMENT ON COLUMN public.assets.created_at IS 'Creation time.';

COMMENT ON COLUMN public.assets.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.attachments (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    file_name character varying(255) NOT NULL,
    file_type character varying(50) NOT NULL,
    file_category character varying(20) NOT NULL,
    file_url character varying(500) NOT NULL,
    file_size bigint NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT attachments_file_category_check CHECK (file_category::text = ANY (ARRAY['image'::character varying, 'audio'::character varying, 'video'::character varying, 'document'::character varying]::text[])),
    CONSTRAINT attachments_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.attachments IS 'Attachments: all uploaded files (images, video, audio, documents).';

COMMENT ON COLUMN public.attachments.id IS 'Unique attachment id.';

COMMENT ON COLUMN public.attachments.project_id IS 'Project id.';

COMMENT ON COLUMN public.attachments.file_name IS 'File name.';

COMMENT ON COLUMN public.attachments.file_type IS 'File type.';

COMMENT ON COLUMN public.attachments.file_category IS 'Category: image, audio, video or document.';

COMMENT ON COLUMN public.attachments.file_url IS 'File URL.';

COMMENT ON COLUMN public.attachments.file_size IS 'File size in bytes.';

COMMENT ON COLUMN public.attachments.metadata IS 'Metadata (labels, purpose, ...); replaces the attachment_labels table.';

COMMENT ON COLUMN public.attachments.created_at IS 'Creation time.';

CREATE TABLE public.audio_configs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    clip_id uuid,
    audio_type character varying(20) NOT NULL,
    text_content text,
    voice_id character varying(50),
    voice_name character varying(100),
    audio_url character varying(500),
    source character varying(20),
    volume integer DEFAULT 80 NOT NULL,
    speech_speed numeric(3,2) DEFAULT 1.0,
    emotion character varying(50),
    metadata jsonb DEFAULT '{}'::jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT audio_configs_audio_type_check CHECK (audio_type::text = ANY (ARRAY['narration'::character varying, 'dialogue'::character varying, 'bgm'::character varying]::text[])),
    CONSTRAINT audio_configs_clip_id_check CHECK (clip_id IS NOT NULL OR audio_type::text = 'bgm'::text),
    CONSTRAINT audio_configs_pkey PRIMARY KEY (id),
    CONSTRAINT audio_configs_source_check CHECK (source::text = ANY (ARRAY['generated'::character varying, 'library'::character varying, 'uploaded'::character varying]::text[])),
    CONSTRAINT audio_configs_volume_check CHECK (volume >= 0 AND volume <= 100)
);

COMMENT ON TABLE public.audio_configs IS 'Audio configuration: narration, dialogue and background music in one table; merges clip_narrations, clip_dialogues and background_music.';

COMMENT ON COLUMN public.audio_configs.id IS 'Unique configuration id.';

COMMENT ON COLUMN public.audio_configs.project_id IS 'Project id.';

COMMENT ON COLUMN public.audio_configs.clip_id IS 'Clip id; NULL means background music (BGM).';

COMMENT ON COLUMN public.audio_configs.audio_type IS 'Type: narration, dialogue or bgm.';

COMMENT ON COLUMN public.audio_configs.text_content IS 'Text content (narration or dialogue).';

COMMENT ON COLUMN public.audio_configs.voice_id IS 'Voice id.';

COMMENT ON COLUMN public.audio_configs.voice_name IS 'Voice name.';

COMMENT ON COLUMN public.audio_configs.audio_url IS 'URL of the generated audio.';

COMMENT ON COLUMN public.audio_configs.source IS 'Source: generated, library or uploaded.';

COMMENT ON COLUMN public.audio_configs.volume IS 'Volume, 0-100.';

COMMENT ON COLUMN public.audio_configs.speech_speed IS 'Speech speed.';

COMMENT ON COLUMN public.audio_configs.emotion IS 'Emotion.';

COMMENT ON COLUMN public.audio_configs.metadata IS 'Extension configuration.';

COMMENT ON COLUMN public.audio_configs.created_at IS 'Creation time.';

COMMENT ON COLUMN public.audio_configs.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.candidates (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    material_package_id uuid,
    target_type character varying(20) NOT NULL,
    target_id character varying(50) NOT NULL,
    candidate_type character varying(20) NOT NULL,
    content_url character varying(500) NOT NULL,
    thumbnail_url character varying(500),
    prompt text,
    metadata jsonb DEFAULT '{}'::jsonb,
    is_selected boolean DEFAULT false NOT NULL,
    generation_order integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT candidates_candidate_type_check CHECK (candidate_type::text = ANY (ARRAY['image'::character varying, 'video'::character varying, 'voice'::character varying, 'music'::character varying]::text[])),
    CONSTRAINT candidates_pkey PRIMARY KEY (id),
    CONSTRAINT candidates_target_type_check CHECK (target_type::text = ANY (ARRAY['character'::character varying, 'scene'::character varying, 'clip'::character varying, 'bgm'::character varying]::text[]))
);

COMMENT ON TABLE public.candidates IS 'Candidates: all generated alternatives (images, videos, voices, music) in one table; replaces character_image_candidates, character_voice_candidates, scene_image_candidates, clip_image_candidates, clip_video_candidates and bgm_candidates.';

COMMENT ON COLUMN public.candidates.id IS 'Unique candidate id.';

COMMENT ON COLUMN public.candidates.project_id IS 'Project id.';

COMMENT ON COLUMN public.candidates.material_package_id IS 'Material package id; set to NULL when the package is deleted.';

COMMENT ON COLUMN public.candidates.target_type IS 'Target type: character, scene, clip or bgm.';

COMMENT ON COLUMN public.candidates.target_id IS 'Id of the target element (an id inside material_packages.materials, or a clip).';

COMMENT ON COLUMN public.candidates.candidate_type IS 'Candidate type: image, video, voice or music.';

COMMENT ON COLUMN public.candidates.content_url IS 'Content URL.';

COMMENT ON COLUMN public.candidates.thumbnail_url IS 'Thumbnail URL.';

COMMENT ON COLUMN public.candidates.prompt IS 'Generation prompt.';

COMMENT ON COLUMN public.candidates.metadata IS 'Extension data (duration, voice parameters, ...).';

COMMENT ON COLUMN public.candidates.is_selected IS 'Whether this candidate is selected.';

COMMENT ON COLUMN public.candidates.generation_order IS 'Generation order.';

COMMENT ON COLUMN public.candidates.created_at IS 'Creation time.';

CREATE TABLE public.conversations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    material_package_id uuid,
    message_type character varying(20) NOT NULL,
    message_content text NOT NULL,
    context_data jsonb,
    display_order integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT conversations_message_type_check CHECK (message_type::text = ANY (ARRAY['system'::character varying, 'user'::character varying]::text[])),
    CONSTRAINT conversations_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.conversations IS 'Conversations: the message history between the system and the user.';

COMMENT ON COLUMN public.conversations.id IS 'Unique message id.';

COMMENT ON COLUMN public.conversations.project_id IS 'Project id.';

COMMENT ON COLUMN public.conversations.material_package_id IS 'Material package id; set to NULL when the package is deleted.';

COMMENT ON COLUMN public.conversations.message_type IS 'Type: system or user.';

COMMENT ON COLUMN public.conversations.message_content IS 'Message content.';

COMMENT ON COLUMN public.conversations.context_data IS 'Context data.';

COMMENT ON COLUMN public.conversations.display_order IS 'Display order.';

COMMENT ON COLUMN public.conversations.created_at IS 'Creation time.';

CREATE TABLE public.export_files (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    export_task_id uuid NOT NULL,
    file_type character varying(20) NOT NULL,
    file_name character varying(255) NOT NULL,
    file_url character varying(500) NOT NULL,
    file_size bigint NOT NULL,
    duration numeric(10,2),
    metadata jsonb DEFAULT '{}'::jsonb,
    download_count integer DEFAULT 0 NOT NULL,
    expires_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT export_files_file_type_check CHECK (file_type::text = ANY (ARRAY['video'::character varying, 'audio'::character varying, 'subtitle'::character varying, 'cover'::character varying]::text[])),
    CONSTRAINT export_files_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.export_files IS 'Export files: the files produced by an export.';

COMMENT ON COLUMN public.export_files.id IS 'Unique file id.';

COMMENT ON COLUMN public.export_files.export_task_id IS 'Export task id.';

COMMENT ON COLUMN public.export_files.file_type IS 'Type: video, audio, subtitle or cover.';

COMMENT ON COLUMN public.export_files.file_name IS 'File name.';

COMMENT ON COLUMN public.export_files.file_url IS 'File URL.';

COMMENT ON COLUMN public.export_files.file_size IS 'File size in bytes.';

COMMENT ON COLUMN public.export_files.duration IS 'Duration in seconds.';

COMMENT ON COLUMN public.export_files.metadata IS 'Extension information (for example subtitle contents).';

COMMENT ON COLUMN public.export_files.download_count IS 'Number of downloads.';

COMMENT ON COLUMN public.export_files.expires_at IS 'Expiry time.';

COMMENT ON COLUMN public.export_files.created_at IS 'Creation time.';

CREATE TABLE public.export_tasks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    task_name character varying(200) NOT NULL,
    status character varying(20) DEFAULT 'pending'::character varying NOT NULL,
    progress integer DEFAULT 0,
    export_config jsonb DEFAULT '{}'::jsonb NOT NULL,
    error_message text,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT export_tasks_pkey PRIMARY KEY (id),
    CONSTRAINT export_tasks_progress_check CHECK (progress >= 0 AND progress <= 100),
    CONSTRAINT export_tasks_status_check CHECK (status::text = ANY (ARRAY['pending'::character varying, 'processing'::character varying, 'completed'::character varying, 'failed'::character varying]::text[]))
);

COMMENT ON TABLE public.export_tasks IS 'Export tasks: video export jobs.';

COMMENT ON COLUMN public.export_tasks.id IS 'Unique export task id.';

COMMENT ON COLUMN public.export_tasks.project_id IS 'Project id.';

COMMENT ON COLUMN public.export_tasks.task_name IS 'Task name.';

COMMENT ON COLUMN public.export_tasks.status IS 'Status: pending, processing, completed or failed.';

COMMENT ON COLUMN public.export_tasks.progress IS 'Progress, 0-100.';

COMMENT ON COLUMN public.export_tasks.export_config IS 'Export configuration (resolution, width, height, format, aspect_ratio, fps, subtitle, cover); merges export_configs, subtitle_export_configs and cover_configs.';

COMMENT ON COLUMN public.export_tasks.error_message IS 'Error message.';

COMMENT ON COLUMN public.export_tasks.started_at IS 'Start time.';

COMMENT ON COLUMN public.export_tasks.completed_at IS 'Completion time.';

COMMENT ON COLUMN public.export_tasks.created_at IS 'Creation time.';

COMMENT ON COLUMN public.export_tasks.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.generation_tasks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    material_package_id uuid NOT NULL,
    task_type character varying(50) NOT NULL,
    task_name character varying(100) NOT NULL,
    display_order integer NOT NULL,
    status character varying(20) DEFAULT 'pending'::character varying NOT NULL,
    progress integer DEFAULT 0,
    error_message text,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT generation_tasks_pkey PRIMARY KEY (id),
    CONSTRAINT generation_tasks_progress_check CHECK (progress >= 0 AND progress <= 100),
    CONSTRAINT generation_tasks_status_check CHECK (status::text = ANY (ARRAY['pending'::character varying, 'in_progress'::character varying, 'completed'::character varying, 'failed'::character varying]::text[])),
    CONSTRAINT generation_tasks_task_type_check CHECK (task_type::text = ANY (ARRAY['storyline'::character varying, 'artstyle'::character varying, 'characters'::character varying, 'scenes'::character varying, 'storyboard'::character varying]::text[]))
);

COMMENT ON TABLE public.generation_tasks IS 'Generation tasks: tracks each step of generating a material package.';

COMMENT ON COLUMN public.generation_tasks.id IS 'Unique task id.';

COMMENT ON COLUMN public.generation_tasks.material_package_id IS 'Material package id.';

COMMENT ON COLUMN public.generation_tasks.task_type IS 'Task type: storyline, artstyle, characters, scenes or storyboard.';

COMMENT ON COLUMN public.generation_tasks.task_name IS 'Task name.';

COMMENT ON COLUMN public.generation_tasks.display_order IS 'Display order.';

COMMENT ON COLUMN public.generation_tasks.status IS 'Status: pending, in_progress, completed or failed.';

COMMENT ON COLUMN public.generation_tasks.progress IS 'Progress, 0-100.';

COMMENT ON COLUMN public.generation_tasks.error_message IS 'Error message.';

COMMENT ON COLUMN public.generation_tasks.started_at IS 'Start time.';

COMMENT ON COLUMN public.generation_tasks.completed_at IS 'Completion time.';

COMMENT ON COLUMN public.generation_tasks.created_at IS 'Creation time.';

CREATE TABLE public.material_packages (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    status character varying(20) DEFAULT 'generating'::character varying NOT NULL,
    is_active boolean DEFAULT false NOT NULL,
    summary text,
    materials jsonb DEFAULT '{}'::jsonb NOT NULL,
    generated_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT material_packages_pkey PRIMARY KEY (id),
    CONSTRAINT material_packages_project_id_version_key UNIQUE (project_id, version),
    CONSTRAINT material_packages_status_check CHECK (status::text = ANY (ARRAY['generating'::character varying, 'completed'::character varying, 'failed'::character varying]::text[]))
);

COMMENT ON TABLE public.material_packages IS 'Material packages: one row per generated version of a project''s materials (story, characters, scenes, storyboards).';

COMMENT ON COLUMN public.material_packages.id IS 'Unique material package id.';

COMMENT ON COLUMN public.material_packages.project_id IS 'Project id.';

COMMENT ON COLUMN public.material_packages.version IS 'Version number, unique within the project.';

COMMENT ON COLUMN public.material_packages.status IS 'Status: generating, completed or failed.';

COMMENT ON COLUMN public.material_packages.is_active IS 'Whether this is the currently active version.';

COMMENT ON COLUMN public.material_packages.summary IS 'Generation summary.';

COMMENT ON COLUMN public.material_packages.materials IS 'Material data (the core): storyline, art_style, characters, scenes, storyboards, generation task progress; may later be split into its own tables.';

COMMENT ON COLUMN public.material_packages.generated_at IS 'When generation finished.';

COMMENT ON COLUMN public.material_packages.created_at IS 'Creation time.';

CREATE TABLE public.modifications (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    element_type character varying(50) NOT NULL,
    element_id character varying(50) NOT NULL,
    element_name character varying(200),
    modification_type character varying(50) NOT NULL,
    user_prompt text,
    result_data jsonb,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT modifications_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.modifications IS 'Element modifications: the change history of generated materials.';

COMMENT ON COLUMN public.modifications.id IS 'Unique record id.';

COMMENT ON COLUMN public.modifications.project_id IS 'Project id.';

COMMENT ON COLUMN public.modifications.element_type IS 'Element type.';

COMMENT ON COLUMN public.modifications.element_id IS 'Element id.';

COMMENT ON COLUMN public.modifications.element_name IS 'Element name.';

COMMENT ON COLUMN public.modifications.modification_type IS 'Modification type.';

COMMENT ON COLUMN public.modifications.user_prompt IS 'The user''s modification request.';

COMMENT ON COLUMN public.modifications.result_data IS 'Result data of the modification.';

COMMENT ON COLUMN public.modifications.created_by IS 'Id of the user who made the modification; set to NULL when that user is deleted.';

COMMENT ON COLUMN public.modifications.created_at IS 'Creation time.';

CREATE TABLE public.operations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid,
    operation_type character varying(50) NOT NULL,
    target_type character varying(50) NOT NULL,
    target_id uuid,
    description text,
    request_data jsonb,
    response_data jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT operations_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE public.operations IS 'Operation log (optional in the design): records every key operation for auditing and debugging; replaces editing_history, and with export_files replaces export_history and download_records.';

COMMENT ON COLUMN public.operations.id IS 'Unique log entry id.';

COMMENT ON COLUMN public.operations.user_id IS 'Id of the user who performed the operation; set to NULL when the user is deleted.';

COMMENT ON COLUMN public.operations.operation_type IS 'Operation type.';

COMMENT ON COLUMN public.operations.target_type IS 'Target type.';

COMMENT ON COLUMN public.operations.target_id IS 'Target id.';

COMMENT ON COLUMN public.operations.description IS 'Operation description.';

COMMENT ON COLUMN public.operations.request_data IS 'Request parameters.';

COMMENT ON COLUMN public.operations.response_data IS 'Response data.';

COMMENT ON COLUMN public.operations.created_at IS 'Creation time.';

CREATE TABLE public.projects (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    description text,
    status character varying(20) DEFAULT 'draft'::character varying NOT NULL,
    stage character varying(20) DEFAULT 'input'::character varying NOT NULL,
    progress integer DEFAULT 0,
    tags text[] DEFAULT '{}'::text[],
    input_config jsonb DEFAULT '{}'::jsonb,
    metadata jsonb DEFAULT '{}'::jsonb,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT projects_pkey PRIMARY KEY (id),
    CONSTRAINT projects_progress_check CHECK (progress >= 0 AND progress <= 100),
    CONSTRAINT projects_stage_check CHECK (stage::text = ANY (ARRAY['input'::character varying, 'generating'::character varying, 'editing'::character varying, 'completed'::character varying]::text[])),
    CONSTRAINT projects_status_check CHECK (status::text = ANY (ARRAY['draft'::character varying, 'generating'::character varying, 'editing'::character varying, 'completed'::character varying, 'exported'::character varying]::text[]))
);

COMMENT ON TABLE public.projects IS 'Projects (creative units): the core table that runs through the whole creation flow; replaces creative_units and editing_projects of the full design.';

COMMENT ON COLUMN public.projects.id IS 'Unique project id.';

COMMENT ON COLUMN public.projects.user_id IS 'Id of the user who created the project.';

COMMENT ON COLUMN public.projects.name IS 'Project name.';

COMMENT ON COLUMN public.projects.description IS 'Project description.';

COMMENT ON COLUMN public.projects.status IS 'Status: draft, generating, editing, completed or exported.';

COMMENT ON COLUMN public.projects.stage IS 'Current stage: input, generating, editing or completed.';

COMMENT ON COLUMN public.projects.progress IS 'Progress, 0-100.';

COMMENT ON COLUMN public.projects.tags IS 'Tags.';

COMMENT ON COLUMN public.projects.input_config IS 'Input configuration (style, model, aspect ratio, duration, ...); may later be split into its own tables.';

COMMENT ON COLUMN public.projects.metadata IS 'Extension metadata.';

COMMENT ON COLUMN public.projects.started_at IS 'Start time.';

COMMENT ON COLUMN public.projects.completed_at IS 'Completion time.';

COMMENT ON COLUMN public.projects.created_at IS 'Creation time.';

COMMENT ON COLUMN public.projects.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    session_token character varying(255) NOT NULL,
    refresh_token character varying(255),
    expires_at timestamp with time zone NOT NULL,
    last_activity timestamp with time zone DEFAULT now() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_session_token_key UNIQUE (session_token)
);

COMMENT ON TABLE public.sessions IS 'User login sessions.';

COMMENT ON COLUMN public.sessions.id IS 'Session id.';

COMMENT ON COLUMN public.sessions.user_id IS 'User id.';

COMMENT ON COLUMN public.sessions.session_token IS 'Session token, unique.';

COMMENT ON COLUMN public.sessions.refresh_token IS 'Refresh token.';

COMMENT ON COLUMN public.sessions.expires_at IS 'Expiry time.';

COMMENT ON COLUMN public.sessions.last_activity IS 'Time of the last activity.';

COMMENT ON COLUMN public.sessions.created_at IS 'Creation time.';

CREATE TABLE public.timeline_clips (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    project_id uuid NOT NULL,
    material_package_id uuid,
    shot_number integer NOT NULL,
    clip_type character varying(20) NOT NULL,
    duration numeric(5,2) DEFAULT 5.0 NOT NULL,
    start_time numeric(10,2) DEFAULT 0 NOT NULL,
    end_time numeric(10,2) NOT NULL,
    description text NOT NULL,
    dialogue text,
    transition character varying(50),
    selected_image_id uuid,
    selected_video_id uuid,
    config jsonb DEFAULT '{}'::jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT timeline_clips_clip_type_check CHECK (clip_type::text = ANY (ARRAY['image'::character varying, 'video'::character varying]::text[])),
    CONSTRAINT timeline_clips_pkey PRIMARY KEY (id),
    CONSTRAINT timeline_clips_project_id_shot_number_key UNIQUE (project_id, shot_number)
);

COMMENT ON TABLE public.timeline_clips IS 'Timeline clips of the editing stage; merges timeline_clips and clip_edit_configs of the full design.';

COMMENT ON COLUMN public.timeline_clips.id IS 'Unique clip id.';

COMMENT ON COLUMN public.timeline_clips.project_id IS 'Project id.';

COMMENT ON COLUMN public.timeline_clips.material_package_id IS 'Material package the clip was built from; set to NULL when the package is deleted.';

COMMENT ON COLUMN public.timeline_clips.shot_number IS 'Shot number, unique within the project.';

COMMENT ON COLUMN public.timeline_clips.clip_type IS 'Type: image or video.';

COMMENT ON COLUMN public.timeline_clips.duration IS 'Duration in seconds.';

COMMENT ON COLUMN public.timeline_clips.start_time IS 'Start time in seconds.';

COMMENT ON COLUMN public.timeline_clips.end_time IS 'End time in seconds.';

COMMENT ON COLUMN public.timeline_clips.description IS 'Shot description.';

COMMENT ON COLUMN public.timeline_clips.dialogue IS 'Lines or narration.';

COMMENT ON COLUMN public.timeline_clips.transition IS 'Transition effect.';

COMMENT ON COLUMN public.timeline_clips.selected_image_id IS 'Selected image candidate id; set to NULL when the candidate is deleted.';

COMMENT ON COLUMN public.timeline_clips.selected_video_id IS 'Selected video candidate id; set to NULL when the candidate is deleted.';

COMMENT ON COLUMN public.timeline_clips.config IS 'Extension configuration (editing parameters such as crop and zoom).';

COMMENT ON COLUMN public.timeline_clips.created_at IS 'Creation time.';

COMMENT ON COLUMN public.timeline_clips.updated_at IS 'Last update time (maintained by trigger).';

CREATE TABLE public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    username character varying(50) NOT NULL,
    email character varying(255) NOT NULL,
    password_hash character varying(255) NOT NULL,
    avatar_url character varying(500),
    settings jsonb DEFAULT '{}'::jsonb,
    quota_info jsonb DEFAULT '{"used": 0, "reset_at": null, "daily_limit": 10}'::jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_username_key UNIQUE (username)
);

COMMENT ON TABLE public.users IS 'Users. Users and team spaces are managed together; team management is simplified in the MVP.';

COMMENT ON COLUMN public.users.id IS 'Unique user id.';

COMMENT ON COLUMN public.users.username IS 'User name, unique.';

COMMENT ON COLUMN public.users.email IS 'E-mail address, unique.';

COMMENT ON COLUMN public.users.password_hash IS 'Password hash.';

COMMENT ON COLUMN public.users.avatar_url IS 'Avatar URL.';

COMMENT ON COLUMN public.users.settings IS 'User settings (language, theme, ...).';

COMMENT ON COLUMN public.users.quota_info IS 'Quota information {daily_limit, used, reset_at}.';

COMMENT ON COLUMN public.users.created_at IS 'Creation time.';

COMMENT ON COLUMN public.users.updated_at IS 'Last update time (maintained by trigger).';


-- Constraints

ALTER TABLE public.assets ADD CONSTRAINT assets_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE public.attachments ADD CONSTRAINT attachments_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.audio_configs ADD CONSTRAINT audio_configs_clip_id_fkey FOREIGN KEY (clip_id) REFERENCES public.timeline_clips(id) ON DELETE CASCADE;

ALTER TABLE public.audio_configs ADD CONSTRAINT audio_configs_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.candidates ADD CONSTRAINT candidates_material_package_id_fkey FOREIGN KEY (material_package_id) REFERENCES public.material_packages(id) ON DELETE SET NULL;

ALTER TABLE public.candidates ADD CONSTRAINT candidates_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.conversations ADD CONSTRAINT conversations_material_package_id_fkey FOREIGN KEY (material_package_id) REFERENCES public.material_packages(id) ON DELETE SET NULL;

ALTER TABLE public.conversations ADD CONSTRAINT conversations_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.export_files ADD CONSTRAINT export_files_export_task_id_fkey FOREIGN KEY (export_task_id) REFERENCES public.export_tasks(id) ON DELETE CASCADE;

ALTER TABLE public.export_tasks ADD CONSTRAINT export_tasks_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.generation_tasks ADD CONSTRAINT generation_tasks_material_package_id_fkey FOREIGN KEY (material_package_id) REFERENCES public.material_packages(id) ON DELETE CASCADE;

ALTER TABLE public.material_packages ADD CONSTRAINT material_packages_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.modifications ADD CONSTRAINT modifications_created_by_fkey FOREIGN KEY (created_by) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE public.modifications ADD CONSTRAINT modifications_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.operations ADD CONSTRAINT operations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE SET NULL;

ALTER TABLE public.projects ADD CONSTRAINT projects_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE public.sessions ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE public.timeline_clips ADD CONSTRAINT timeline_clips_material_package_id_fkey FOREIGN KEY (material_package_id) REFERENCES public.material_packages(id) ON DELETE SET NULL;

ALTER TABLE public.timeline_clips ADD CONSTRAINT timeline_clips_project_id_fkey FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

ALTER TABLE public.timeline_clips ADD CONSTRAINT timeline_clips_selected_image_id_fkey FOREIGN KEY (selected_image_id) REFERENCES public.candidates(id) ON DELETE SET NULL;

ALTER TABLE public.timeline_clips ADD CONSTRAINT timeline_clips_selected_video_id_fkey FOREIGN KEY (selected_video_id) REFERENCES public.candidates(id) ON DELETE SET NULL;


-- Indexes

CREATE INDEX idx_assets_attributes_gin ON public.assets USING gin (attributes);

CREATE INDEX idx_assets_preset ON public.assets USING btree (is_preset);

CREATE INDEX idx_assets_type ON public.assets USING btree (asset_type);

CREATE INDEX idx_assets_usage ON public.assets USING btree (usage_count DESC);

CREATE INDEX idx_assets_user ON public.assets USING btree (user_id);

CREATE INDEX idx_attachments_category ON public.attachments USING btree (file_category);

CREATE INDEX idx_attachments_project ON public.attachments USING btree (project_id);

CREATE INDEX idx_audio_configs_clip ON public.audio_configs USING btree (clip_id);

CREATE INDEX idx_audio_configs_project ON public.audio_configs USING btree (project_id);

CREATE INDEX idx_audio_configs_type ON public.audio_configs USING btree (audio_type);

CREATE INDEX idx_candidates_material_package ON public.candidates USING btree (material_package_id);

CREATE INDEX idx_candidates_project ON public.candidates USING btree (project_id);

CREATE INDEX idx_candidates_project_target ON public.candidates USING btree (project_id, target_type, target_id);

CREATE INDEX idx_candidates_selected ON public.candidates USING btree (is_selected);

CREATE INDEX idx_candidates_target ON public.candidates USING btree (target_type, target_id);

CREATE INDEX idx_conversations_material_package ON public.conversations USING btree (material_package_id);

CREATE INDEX idx_conversations_project ON public.conversations USING btree (project_id);

CREATE INDEX idx_export_files_task ON public.export_files USING btree (export_task_id);

CREATE INDEX idx_export_tasks_created ON public.export_tasks USING btree (created_at DESC);

CREATE INDEX idx_export_tasks_project ON public.export_tasks USING btree (project_id);

CREATE INDEX idx_export_tasks_status ON public.export_tasks USING btree (status);

CREATE INDEX idx_generation_tasks_package ON public.generation_tasks USING btree (material_package_id);

CREATE INDEX idx_generation_tasks_status ON public.generation_tasks USING btree (status);

CREATE INDEX idx_material_packages_active ON public.material_packages USING btree (is_active);

CREATE INDEX idx_material_packages_materials_gin ON public.material_packages USING gin (materials);

CREATE INDEX idx_material_packages_project ON public.material_packages USING btree (project_id);

CREATE INDEX idx_material_packages_project_active ON public.material_packages USING btree (project_id, is_active);

CREATE INDEX idx_modifications_created_by ON public.modifications USING btree (created_by);

CREATE INDEX idx_modifications_element ON public.modifications USING btree (element_type, element_id);

CREATE INDEX idx_modifications_project ON public.modifications USING btree (project_id);

CREATE INDEX idx_operations_created ON public.operations USING btree (created_at DESC);

CREATE INDEX idx_operations_target ON public.operations USING btree (target_type, target_id);

CREATE INDEX idx_operations_user ON public.operations USING btree (user_id);

CREATE INDEX idx_projects_created ON public.projects USING btree (created_at DESC);

CREATE INDEX idx_projects_input_config_gin ON public.projects USING gin (input_config);

CREATE INDEX idx_projects_status ON public.projects USING btree (status);

CREATE INDEX idx_projects_user ON public.projects USING btree (user_id);

CREATE INDEX idx_projects_user_status ON public.projects USING btree (user_id, status);

CREATE INDEX idx_sessions_user ON public.sessions USING btree (user_id);

CREATE INDEX idx_timeline_clips_material_package ON public.timeline_clips USING btree (material_package_id);

CREATE INDEX idx_timeline_clips_project ON public.timeline_clips USING btree (project_id);

CREATE INDEX idx_timeline_clips_selected_image ON public.timeline_clips USING btree (selected_image_id);

CREATE INDEX idx_timeline_clips_selected_video ON public.timeline_clips USING btree (selected_video_id);


-- Triggers

CREATE TRIGGER assets_set_updated_at BEFORE UPDATE ON public.assets FOR EACH ROW EXECUTE FUNCTION public.video_studio_set_updated_at();

CREATE TRIGGER audio_configs_set_updated_at BEFORE UPDATE ON public.audio_configs FOR EACH ROW EXECUTE FUNCTION public.video_studio_set_updated_at();

CREATE TRIGGER export_tasks_set_updated_at BEFORE UPDATE ON public.export_tasks FOR EACH ROW EXECUTE FUNCTION public.video_studio_set_updated_at();

CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON public.projects FOR EACH ROW EXECUTE FUNCTION public.video_studio_set_updated_at();

CREATE TRIGGER timeline_clips_set_updated_at BEFORE UPDATE ON public.timeline_clips FOR EACH ROW EXECUTE FUNCTION public.video_studio_set_updated_at();

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.video_studio_set_updated_at();
