-- audio_configs: narration and dialogue per clip, and the project's background music.
CREATE TABLE audio_configs (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    project_id   uuid         NOT NULL,
    clip_id      uuid,
    audio_type   varchar(20)  NOT NULL,
    text_content text,
    voice_id     varchar(50),
    voice_name   varchar(100),
    audio_url    varchar(500),
    source       varchar(20),
    volume       integer      NOT NULL DEFAULT 80,
    speech_speed numeric(3,2) DEFAULT 1.0,
    emotion      varchar(50),
    metadata     jsonb        DEFAULT '{}'::jsonb,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT audio_configs_pkey PRIMARY KEY (id),
    CONSTRAINT audio_configs_project_id_fkey FOREIGN KEY (project_id)
        REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT audio_configs_clip_id_fkey FOREIGN KEY (clip_id)
        REFERENCES timeline_clips (id) ON DELETE CASCADE,
    CONSTRAINT audio_configs_audio_type_check
        CHECK (audio_type IN ('narration', 'dialogue', 'bgm')),
    CONSTRAINT audio_configs_source_check
        CHECK (source IN ('generated', 'library', 'uploaded')),
    CONSTRAINT audio_configs_volume_check CHECK (volume >= 0 AND volume <= 100),
    -- A NULL clip_id means background music: narration and dialogue belong to a clip.
    CONSTRAINT audio_configs_clip_id_check CHECK (clip_id IS NOT NULL OR audio_type = 'bgm')
);

CREATE INDEX idx_audio_configs_project ON audio_configs (project_id);
CREATE INDEX idx_audio_configs_clip ON audio_configs (clip_id);
CREATE INDEX idx_audio_configs_type ON audio_configs (audio_type);

CREATE TRIGGER audio_configs_set_updated_at
    BEFORE UPDATE ON audio_configs
    FOR EACH ROW EXECUTE FUNCTION video_studio_set_updated_at();

COMMENT ON TABLE audio_configs IS 'Audio configuration: narration, dialogue and background music in one table; merges clip_narrations, clip_dialogues and background_music.';
COMMENT ON COLUMN audio_configs.id IS 'Unique configuration id.';
COMMENT ON COLUMN audio_configs.project_id IS 'Project id.';
COMMENT ON COLUMN audio_configs.clip_id IS 'Clip id; NULL means background music (BGM).';
COMMENT ON COLUMN audio_configs.audio_type IS 'Type: narration, dialogue or bgm.';
COMMENT ON COLUMN audio_configs.text_content IS 'Text content (narration or dialogue).';
COMMENT ON COLUMN audio_configs.voice_id IS 'Voice id.';
COMMENT ON COLUMN audio_configs.voice_name IS 'Voice name.';
COMMENT ON COLUMN audio_configs.audio_url IS 'URL of the generated audio.';
COMMENT ON COLUMN audio_configs.source IS 'Source: generated, library or uploaded.';
COMMENT ON COLUMN audio_configs.volume IS 'Volume, 0-100.';
COMMENT ON COLUMN audio_configs.speech_speed IS 'Speech speed.';
COMMENT ON COLUMN audio_configs.emotion IS 'Emotion.';
COMMENT ON COLUMN audio_configs.metadata IS 'Extension configuration.';
COMMENT ON COLUMN audio_configs.created_at IS 'Creation time.';
COMMENT ON COLUMN audio_configs.updated_at IS 'Last update time (maintained by trigger).';
