-- The indexes the store's statements need at scale (docs/postgres.md has a table of which index
-- serves which statement). IF NOT EXISTS: a host with large tables can create them beforehand,
-- under these names, with CREATE INDEX CONCURRENTLY, which takes no lock that stops writes; this
-- migration then finds them and creates nothing.

-- One preset's schedules; also what ON DELETE CASCADE from presets looks rows up by.
CREATE INDEX IF NOT EXISTS preset_schedules_preset ON preset_schedules (preset_id, id);

-- Every workspace of a preset, deleted ones included: the latest creates of one preset.
CREATE INDEX IF NOT EXISTS workspaces_preset ON workspaces (preset_id);

-- The system user's live prebuilds, without reading people's workspaces.
CREATE INDEX IF NOT EXISTS workspaces_owner_prebuilds ON workspaces (owner_id) WHERE NOT deleted AND preset_id IS NOT NULL;

-- A workspace's latest build with its transition and status, from the index alone (an
-- index-only scan), replacing the index of 001 that had to visit the table for them.
CREATE INDEX IF NOT EXISTS workspace_builds_latest_status ON workspace_builds (workspace_id, created_at DESC, id DESC) INCLUDE (transition, status);
DROP INDEX IF EXISTS workspace_builds_latest;

-- Failed creates: the only presets that can be in backoff or at the hard limit have one.
CREATE INDEX IF NOT EXISTS workspace_builds_failed_creates ON workspace_builds (initiator_id, created_at) INCLUDE (workspace_id)
  WHERE transition = 'start' AND status = 'failed';
