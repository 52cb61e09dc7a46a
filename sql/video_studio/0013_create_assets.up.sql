-- assets: a user's reusable library of characters, styles, voices and music.
CREATE TABLE assets (
    id              uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id         uuid         NOT NULL,
    asset_type      varchar(20)  NOT NULL,
    asset_name      varchar(200) NOT NULL,
    description     text,
    content_url     varchar(500),
    thumbnail_url   varchar(500),
    prompt_template text,
    attributes      jsonb        NOT NULL DEFAULT '{}'::jsonb,
    is_preset       boolean      NOT NULL DEFAULT false,
    is_public       boolean      NOT NULL DEFAULT false,
    usage_count     integer      NOT NULL DEFAULT 0,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT assets_pkey PRIMARY KEY (id),
    CONSTRAINT assets_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT assets_asset_type_check
        CHECK (asset_type IN ('character', 'style', 'voice', 'music'))
);

CREATE INDEX idx_assets_user ON assets (user_id);
CREATE INDEX idx_assets_type ON assets (asset_type);
CREATE INDEX idx_assets_preset ON assets (is_preset);
CREATE INDEX idx_assets_usage ON assets (usage_count DESC);
CREATE INDEX idx_assets_attributes_gin ON assets USING gin (attributes);

CREATE TRIGGER assets_set_updated_at
    BEFORE UPDATE ON assets
    FOR EACH ROW EXECUTE FUNCTION video_studio_set_updated_at();

COMMENT ON TABLE assets IS 'Asset library: characters, styles, voices and music in one table; merges character_assets, style_assets, voice_assets and music_assets. Preset styles are rows with is_preset = true.';
COMMENT ON COLUMN assets.id IS 'Unique asset id.';
COMMENT ON COLUMN assets.user_id IS 'Id of the owning user.';
COMMENT ON COLUMN assets.asset_type IS 'Type: character, style, voice or music.';
COMMENT ON COLUMN assets.asset_name IS 'Asset name.';
COMMENT ON COLUMN assets.description IS 'Description.';
COMMENT ON COLUMN assets.content_url IS 'Content URL (image or audio).';
COMMENT ON COLUMN assets.thumbnail_url IS 'Thumbnail URL.';
COMMENT ON COLUMN assets.prompt_template IS 'Prompt template (style or character).';
COMMENT ON COLUMN assets.attributes IS 'Type-specific attributes (character: gender, personality, images; style: preview_url, keywords, color_palette; voice: voice_id, gender, age_range, language; music: duration, genre, mood, tempo).';
COMMENT ON COLUMN assets.is_preset IS 'Whether this is a preset asset.';
COMMENT ON COLUMN assets.is_public IS 'Whether the asset is public.';
COMMENT ON COLUMN assets.usage_count IS 'Number of uses.';
COMMENT ON COLUMN assets.created_at IS 'Creation time.';
COMMENT ON COLUMN assets.updated_at IS 'Last update time (maintained by trigger).';
