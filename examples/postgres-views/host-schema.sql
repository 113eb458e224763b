-- The schema of "Forge", a fictional control plane that already has its own tables for
-- organizations, templates, presets, workspaces, builds and jobs. Its names, types and shapes
-- differ from the ones the PostgreSQL store reads; views.sql maps them.

CREATE SCHEMA forge;

CREATE TABLE forge.orgs (
  id text PRIMARY KEY,
  display_name text NOT NULL
);

CREATE TABLE forge.org_members (
  org_id text NOT NULL REFERENCES forge.orgs (id),
  user_id text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE forge.groups (
  id bigserial PRIMARY KEY,
  org_id text NOT NULL REFERENCES forge.orgs (id),
  name text NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE forge.group_members (
  group_id bigint NOT NULL REFERENCES forge.groups (id),
  user_id text NOT NULL,
  PRIMARY KEY (group_id, user_id)
);

CREATE TABLE forge.templates (
  id text PRIMARY KEY,
  org_id text NOT NULL REFERENCES forge.orgs (id),
  name text NOT NULL,
  active_version_id text,
  archived_at timestamptz,                        -- set: the template is deleted
  deprecation_message text NOT NULL DEFAULT ''    -- non-empty: the template is deprecated
);

CREATE TABLE forge.template_versions (
  id text PRIMARY KEY,
  template_id text NOT NULL REFERENCES forge.templates (id)
);

CREATE TABLE forge.presets (
  id text PRIMARY KEY,
  version_id text NOT NULL REFERENCES forge.template_versions (id),
  name text NOT NULL,
  prebuild_instances integer,                     -- NULL: the preset has no prebuilds
  prebuild_expiry interval,                       -- NULL: prebuilds never expire
  invalidated_at timestamptz,
  schedule_timezone text NOT NULL DEFAULT '',
  prebuild_status text NOT NULL DEFAULT 'normal',
  prebuild_failed_configuration text,             -- the configuration that failed validation
  prebuilds_paused boolean NOT NULL DEFAULT false
);

CREATE TABLE forge.preset_parameters (
  preset_id text NOT NULL REFERENCES forge.presets (id) ON DELETE CASCADE,
  name text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (preset_id, name)
);

CREATE TABLE forge.preset_schedules (
  id bigserial PRIMARY KEY,
  preset_id text NOT NULL REFERENCES forge.presets (id) ON DELETE CASCADE,
  cron_expression text NOT NULL,
  instances integer NOT NULL
);

CREATE INDEX preset_schedules_preset ON forge.preset_schedules (preset_id);

CREATE TABLE forge.workspaces (
  id text PRIMARY KEY,
  preset_id text REFERENCES forge.presets (id),
  owner_id text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  autostart_cron text,
  ttl interval,
  dormant_at timestamptz,
  deleting_at timestamptz
);

CREATE INDEX workspaces_owner_preset ON forge.workspaces (owner_id, preset_id) WHERE deleted_at IS NULL;
-- Every workspace of a preset, deleted ones too (the latest creates of a preset in backoff).
CREATE INDEX workspaces_preset ON forge.workspaces (preset_id);

CREATE TABLE forge.workspace_agents (
  id bigserial PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES forge.workspaces (id),
  lifecycle_state text NOT NULL DEFAULT 'created'  -- 'created', 'starting', 'ready', …
);

CREATE INDEX workspace_agents_workspace ON forge.workspace_agents (workspace_id);

CREATE TABLE forge.jobs (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  completed_at timestamptz,
  canceled_at timestamptz,
  error text
);

CREATE TABLE forge.workspace_builds (
  id bigserial PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES forge.workspaces (id),
  build_number integer NOT NULL,
  transition text NOT NULL,                        -- 'start', 'stop' or 'delete'
  initiator_id text NOT NULL,
  job_id bigint NOT NULL REFERENCES forge.jobs (id),
  created_at timestamptz NOT NULL,
  UNIQUE (workspace_id, build_number)
);

CREATE INDEX workspace_builds_latest ON forge.workspace_builds (workspace_id, created_at DESC, id DESC);
-- From a failed job to its build: the presets that can be in backoff or at the hard limit. The
-- predicate is exactly the status expression of the prebuilds.workspace_builds view compared with
-- 'failed', which is what lets the planner use this index through the view.
CREATE INDEX workspace_builds_job ON forge.workspace_builds (job_id);
CREATE INDEX jobs_failed ON forge.jobs (id)
  WHERE (CASE
           WHEN canceled_at IS NOT NULL THEN 'canceled'
           WHEN completed_at IS NOT NULL AND error IS NOT NULL THEN 'failed'
           WHEN completed_at IS NOT NULL THEN 'succeeded'
           WHEN started_at IS NOT NULL THEN 'running'
           ELSE 'pending'
         END) = 'failed';

CREATE TABLE forge.settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);
