-- The minimal schema the PostgreSQL store reads and writes. Hosts with their own schema can
-- expose the same shape through views (see docs/postgres.md).
-- No CHECK constraints duplicate the core's validation: a bad row (a negative count, an unknown
-- time zone) must reach the core, which reports it for that preset and reconciles the others.

CREATE TABLE organizations (
  id text PRIMARY KEY
);

CREATE TABLE templates (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  active_version_id text,
  deleted boolean NOT NULL DEFAULT false,
  deprecated boolean NOT NULL DEFAULT false
);

CREATE TABLE template_versions (
  id text PRIMARY KEY,
  template_id text NOT NULL REFERENCES templates (id)
);

CREATE TABLE presets (
  id text PRIMARY KEY,
  template_version_id text NOT NULL REFERENCES template_versions (id),
  name text NOT NULL,
  desired_instances integer NOT NULL DEFAULT 0,
  ttl_seconds integer,
  last_invalidated_at timestamptz,
  timezone text,
  parameters jsonb NOT NULL DEFAULT '{}',
  prebuild_status text NOT NULL DEFAULT 'normal' CHECK (prebuild_status IN ('normal', 'hard_limited')),
  reconciliation_paused boolean NOT NULL DEFAULT false
);

CREATE TABLE preset_schedules (
  id bigserial PRIMARY KEY,
  preset_id text NOT NULL REFERENCES presets (id) ON DELETE CASCADE,
  cron text NOT NULL,
  instances integer NOT NULL
);

CREATE TABLE workspaces (
  id text PRIMARY KEY,
  preset_id text REFERENCES presets (id),
  owner_id text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  ready boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  autostart_schedule text,
  ttl_ms bigint,
  dormant_at timestamptz,
  deleting_at timestamptz
);

CREATE INDEX workspaces_preset_owner ON workspaces (preset_id, owner_id) WHERE NOT deleted;

CREATE TABLE workspace_builds (
  id bigserial PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id),
  transition text NOT NULL CHECK (transition IN ('start', 'stop', 'delete')),
  status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceled')),
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  initiator_id text NOT NULL
);

CREATE INDEX workspace_builds_latest ON workspace_builds (workspace_id, created_at DESC, id DESC);
CREATE INDEX workspace_builds_in_progress ON workspace_builds (initiator_id) WHERE status IN ('pending', 'running');

CREATE TABLE organization_members (
  organization_id text NOT NULL REFERENCES organizations (id),
  user_id text NOT NULL,
  PRIMARY KEY (organization_id, user_id)
);

CREATE TABLE groups (
  organization_id text NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  PRIMARY KEY (organization_id, name)
);

CREATE TABLE group_members (
  organization_id text NOT NULL,
  group_name text NOT NULL,
  user_id text NOT NULL,
  PRIMARY KEY (organization_id, group_name, user_id),
  FOREIGN KEY (organization_id, group_name) REFERENCES groups (organization_id, name)
);

CREATE TABLE prebuilds_settings (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  reconciliation_paused boolean NOT NULL DEFAULT false
);

INSERT INTO prebuilds_settings (singleton) VALUES (true);
