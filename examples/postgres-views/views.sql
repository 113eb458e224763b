-- The tables the PostgreSQL store reads and writes, as views over Forge's own schema
-- (host-schema.sql). They live in a schema of their own; the store's pool puts it first on the
-- search_path. Columns the store only reads may be computed; columns it writes are plain
-- columns of one table, or are handled by an INSTEAD OF trigger.

CREATE SCHEMA prebuilds;

-- Read: presets, their flags and parameters. Written: prebuild_status and
-- failed_configuration_key (plain columns, so PostgreSQL updates the view by itself).
CREATE VIEW prebuilds.presets AS
SELECT p.id,
       p.version_id AS template_version_id,
       p.name,
       COALESCE(p.prebuild_instances, 0) AS desired_instances,
       extract(epoch FROM p.prebuild_expiry)::integer AS ttl_seconds,
       p.invalidated_at AS last_invalidated_at,
       NULLIF(p.schedule_timezone, '') AS timezone,
       COALESCE((SELECT jsonb_object_agg(pp.name, pp.value) FROM forge.preset_parameters pp WHERE pp.preset_id = p.id), '{}'::jsonb) AS parameters,
       p.prebuild_status,
       p.prebuild_failed_configuration AS failed_configuration_key,
       p.prebuilds_paused AS reconciliation_paused
FROM forge.presets p;

CREATE VIEW prebuilds.preset_schedules AS
SELECT s.id, s.preset_id, s.cron_expression AS cron, s.instances
FROM forge.preset_schedules s;

CREATE VIEW prebuilds.template_versions AS
SELECT v.id, v.template_id
FROM forge.template_versions v;

CREATE VIEW prebuilds.templates AS
SELECT t.id,
       t.org_id AS organization_id,
       t.active_version_id,
       t.archived_at IS NOT NULL AS deleted,
       t.deprecation_message <> '' AS deprecated
FROM forge.templates t;

-- A workspace is ready when it has agents and every one of them is ready.
CREATE VIEW prebuilds.workspaces AS
SELECT w.id,
       w.preset_id,
       w.owner_id,
       w.name,
       w.created_at,
       COALESCE((SELECT bool_and(a.lifecycle_state = 'ready') FROM forge.workspace_agents a WHERE a.workspace_id = w.id), false) AS ready,
       w.deleted_at IS NOT NULL AS deleted,
       w.autostart_cron AS autostart_schedule,
       (extract(epoch FROM w.ttl) * 1000)::bigint AS ttl_ms,
       w.dormant_at,
       w.deleting_at
FROM forge.workspaces w;

-- A claim sets ttl_ms, which Forge keeps as an interval: the update goes through a trigger.
CREATE FUNCTION prebuilds.update_workspace() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE forge.workspaces
  SET owner_id = NEW.owner_id,
      name = NEW.name,
      autostart_cron = NEW.autostart_schedule,
      ttl = NEW.ttl_ms * interval '1 millisecond',
      dormant_at = NEW.dormant_at,
      deleting_at = NEW.deleting_at
  WHERE id = OLD.id;
  RETURN NEW;
END $$;

CREATE TRIGGER update_workspace INSTEAD OF UPDATE ON prebuilds.workspaces
FOR EACH ROW EXECUTE FUNCTION prebuilds.update_workspace();

-- A build's status comes from its job's timestamps.
CREATE VIEW prebuilds.workspace_builds AS
SELECT b.id,
       b.workspace_id,
       b.transition,
       CASE
         WHEN j.canceled_at IS NOT NULL THEN 'canceled'
         WHEN j.completed_at IS NOT NULL AND j.error IS NOT NULL THEN 'failed'
         WHEN j.completed_at IS NOT NULL THEN 'succeeded'
         WHEN j.started_at IS NOT NULL THEN 'running'
         ELSE 'pending'
       END AS status,
       b.created_at,
       j.started_at,
       b.initiator_id
FROM forge.workspace_builds b
JOIN forge.jobs j ON j.id = b.job_id;

-- A claim records a succeeded start build of the claimant: a job and a build row.
CREATE FUNCTION prebuilds.insert_workspace_build() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  new_job_id bigint;
BEGIN
  INSERT INTO forge.jobs (created_at, started_at, completed_at, canceled_at, error)
  VALUES (NEW.created_at,
          NEW.started_at,
          CASE WHEN NEW.status IN ('succeeded', 'failed', 'canceled') THEN COALESCE(NEW.started_at, NEW.created_at) END,
          CASE WHEN NEW.status = 'canceled' THEN NEW.created_at END,
          CASE WHEN NEW.status = 'failed' THEN 'failed' END)
  RETURNING id INTO new_job_id;
  INSERT INTO forge.workspace_builds (workspace_id, build_number, transition, initiator_id, job_id, created_at)
  VALUES (NEW.workspace_id,
          COALESCE((SELECT max(build_number) FROM forge.workspace_builds WHERE workspace_id = NEW.workspace_id), 0) + 1,
          NEW.transition,
          NEW.initiator_id,
          new_job_id,
          NEW.created_at);
  RETURN NEW;
END $$;

CREATE TRIGGER insert_workspace_build INSTEAD OF INSERT ON prebuilds.workspace_builds
FOR EACH ROW EXECUTE FUNCTION prebuilds.insert_workspace_build();

-- Memberships: the store inserts with ON CONFLICT DO NOTHING. These two views are plain
-- renames of one table each, so PostgreSQL inserts through them by itself.
CREATE VIEW prebuilds.organization_members AS
SELECT m.org_id AS organization_id, m.user_id
FROM forge.org_members m;

CREATE VIEW prebuilds.groups AS
SELECT g.org_id AS organization_id, g.name
FROM forge.groups g;

-- Forge's group members point at a group id; the store names the group by organization and name.
CREATE VIEW prebuilds.group_members AS
SELECT g.org_id AS organization_id, g.name AS group_name, gm.user_id
FROM forge.group_members gm
JOIN forge.groups g ON g.id = gm.group_id;

CREATE FUNCTION prebuilds.insert_group_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO forge.group_members (group_id, user_id)
  SELECT g.id, NEW.user_id FROM forge.groups g WHERE g.org_id = NEW.organization_id AND g.name = NEW.group_name
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;

CREATE TRIGGER insert_group_member INSTEAD OF INSERT ON prebuilds.group_members
FOR EACH ROW EXECUTE FUNCTION prebuilds.insert_group_member();

-- The global pause switch lives in Forge's key-value settings.
CREATE VIEW prebuilds.prebuilds_settings AS
SELECT true AS singleton,
       COALESCE((SELECT (s.value ->> 'reconciliation_paused')::boolean FROM forge.settings s WHERE s.key = 'prebuilds'), false) AS reconciliation_paused;

-- Claim events: Forge has nothing like them, so they are a table of the store's own, in the
-- views' schema (the DDL of migration 004_claim_events).
CREATE TABLE prebuilds.claim_events (
  id bigserial PRIMARY KEY,
  preset_id text NOT NULL,
  at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('claimed', 'missed'))
);

CREATE INDEX claim_events_at ON prebuilds.claim_events (at);
