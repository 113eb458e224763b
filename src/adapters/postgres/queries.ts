/**
 * The SQL of the PostgreSQL store. Every statement is parameterised. Ids are ordered as text with
 * the "C" collation (code-unit order, like the core), which also works for hosts whose views
 * expose uuid keys.
 */

/** A preset is active when its version is the template's active one and the template is live. */
const ACTIVE = "(t.active_version_id = p.template_version_id AND NOT t.deleted AND NOT t.deprecated)";

const PRESET_JOIN = "presets p JOIN template_versions v ON v.id = p.template_version_id JOIN templates t ON t.id = v.template_id";

export const SELECT_PRESETS = `
SELECT p.id, p.name, t.organization_id, t.id AS template_id, p.template_version_id,
       (t.active_version_id IS NOT DISTINCT FROM p.template_version_id) AS using_active_version,
       t.deleted AS template_deleted, t.deprecated AS template_deprecated,
       p.desired_instances, p.ttl_seconds, p.last_invalidated_at, p.timezone, p.prebuild_status,
       COALESCE((SELECT json_agg(json_build_object('cron', s.cron, 'instances', s.instances) ORDER BY s.id)
                 FROM preset_schedules s WHERE s.preset_id = p.id), '[]'::json) AS schedules
FROM ${PRESET_JOIN}
ORDER BY p.id::text COLLATE "C"`;

/** Prebuilds whose latest build is a successful start. */
export const SELECT_RUNNING = `
SELECT w.id, w.preset_id, w.created_at, w.ready
FROM workspaces w
JOIN LATERAL (SELECT b.transition, b.status FROM workspace_builds b
              WHERE b.workspace_id = w.id ORDER BY b.created_at DESC, b.id DESC LIMIT 1) latest ON true
WHERE w.owner_id = $1 AND NOT w.deleted AND w.preset_id IS NOT NULL
  AND latest.transition = 'start' AND latest.status = 'succeeded'`;

export const SELECT_IN_PROGRESS = `
SELECT w.preset_id, b.transition, count(*)::int AS count
FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id
WHERE b.initiator_id = $1 AND b.status IN ('pending', 'running') AND w.preset_id IS NOT NULL
GROUP BY w.preset_id, b.transition`;

export const SELECT_PENDING_NON_ACTIVE = `
SELECT p.id AS preset_id, count(*)::int AS count
FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id JOIN ${PRESET_JOIN} ON p.id = w.preset_id
WHERE b.initiator_id = $1 AND b.transition = 'start' AND b.status = 'pending' AND b.started_at IS NULL AND NOT ${ACTIVE}
GROUP BY p.id`;

/** Finished creates of active presets, newest first per preset. */
const RANKED_CREATES = `
WITH creates AS (
  SELECT w.preset_id, b.status, b.created_at,
         row_number() OVER (PARTITION BY w.preset_id ORDER BY b.created_at DESC, b.id DESC) AS recency
  FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id JOIN ${PRESET_JOIN} ON p.id = w.preset_id
  WHERE b.initiator_id = $1 AND b.transition = 'start' AND b.status IN ('succeeded', 'failed') AND ${ACTIVE}
)`;

/**
 * Presets whose latest create failed, with the failures inside the lookback window
 * (`$2` = now, `$3` = lookback in ms).
 */
export const SELECT_BACKOFFS = `${RANKED_CREATES}
SELECT preset_id,
       count(*) FILTER (WHERE status = 'failed' AND created_at >= $2::timestamptz - make_interval(secs => $3::double precision / 1000))::int AS failed_builds,
       max(created_at) FILTER (WHERE recency = 1) AS last_build_at
FROM creates
GROUP BY preset_id
HAVING bool_or(recency = 1 AND status = 'failed')
   AND count(*) FILTER (WHERE status = 'failed' AND created_at >= $2::timestamptz - make_interval(secs => $3::double precision / 1000)) > 0`;

/** Presets whose last `$2` creates all failed. */
export const SELECT_HARD_LIMITED = `${RANKED_CREATES}
SELECT preset_id FROM creates WHERE recency <= $2
GROUP BY preset_id HAVING count(*) = $2 AND bool_and(status = 'failed')`;

export const SELECT_PAUSE = `
SELECT (SELECT reconciliation_paused FROM prebuilds_settings WHERE singleton) AS global,
       COALESCE((SELECT array_agg(id ORDER BY id) FROM presets WHERE reconciliation_paused), '{}') AS preset_ids`;

/** Organizations with presets and how far the system user (`$1`) is set up in each (`$2` = group name). */
export const SELECT_ORGANIZATIONS = `
SELECT o.organization_id,
       EXISTS (SELECT 1 FROM organization_members m WHERE m.organization_id = o.organization_id AND m.user_id = $1) AS member,
       EXISTS (SELECT 1 FROM groups g WHERE g.organization_id = o.organization_id AND g.name = $2) AS group_exists,
       EXISTS (SELECT 1 FROM group_members gm WHERE gm.organization_id = o.organization_id AND gm.group_name = $2 AND gm.user_id = $1) AS in_group
FROM (SELECT DISTINCT t.organization_id FROM ${PRESET_JOIN}) o
ORDER BY o.organization_id`;

export const INSERT_ORGANIZATION_MEMBER = "INSERT INTO organization_members (organization_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
export const INSERT_GROUP = "INSERT INTO groups (organization_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING";
export const INSERT_GROUP_MEMBER =
  "INSERT INTO group_members (organization_id, group_name, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

export const UPDATE_PRESET_STATUS = "UPDATE presets SET prebuild_status = $2 WHERE id = $1 AND prebuild_status <> $2";

export const SELECT_PRESET_PARAMETERS = `SELECT id, parameters FROM presets WHERE template_version_id = $1 ORDER BY id::text COLLATE "C"`;

/**
 * Takes the oldest ready, unexpired prebuild of an active preset (`$2`) for the claimant:
 * `$3` owner, `$4` name, `$5` autostart, `$6` ttl ms, `$7` now. Locked rows are skipped, so
 * concurrent claims take different prebuilds.
 */
export const CLAIM = `
UPDATE workspaces SET owner_id = $3, name = $4, autostart_schedule = $5, ttl_ms = $6, dormant_at = NULL, deleting_at = NULL
WHERE id = (
  SELECT w.id
  FROM workspaces w JOIN ${PRESET_JOIN} ON p.id = w.preset_id
  WHERE w.preset_id = $2 AND w.owner_id = $1 AND NOT w.deleted AND w.ready AND ${ACTIVE}
    AND (SELECT b.transition = 'start' AND b.status = 'succeeded' FROM workspace_builds b
         WHERE b.workspace_id = w.id ORDER BY b.created_at DESC, b.id DESC LIMIT 1)
    AND (p.ttl_seconds IS NULL OR p.ttl_seconds = 0 OR $7::timestamptz - w.created_at <= make_interval(secs => p.ttl_seconds))
    AND (p.last_invalidated_at IS NULL OR w.created_at >= p.last_invalidated_at)
  ORDER BY w.created_at, w.id::text COLLATE "C"
  LIMIT 1
  FOR UPDATE OF w SKIP LOCKED
)
RETURNING id, preset_id, created_at`;

export const INSERT_CLAIM_BUILD = `
INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
VALUES ($1, 'start', 'succeeded', $2, $2, $3)`;

export const SELECT_CLAIMED_PRESET = `
SELECT p.name, t.id AS template_id, t.organization_id FROM ${PRESET_JOIN} WHERE p.id = $1`;
