/**
 * The SQL of the PostgreSQL store. Every statement is parameterised. Ids are ordered as text with
 * the "C" collation (code-unit order, like the core), which also works for hosts whose views
 * expose uuid keys.
 */

/** A preset is active when its version is the template's active one and the template is live. */
const ACTIVE = "(t.active_version_id = p.template_version_id AND NOT t.deleted AND NOT t.deprecated)";

const PRESET_JOIN = "presets p JOIN template_versions v ON v.id = p.template_version_id JOIN templates t ON t.id = v.template_id";

/**
 * Every preset with its template's flags, its recorded status and its schedules. The schedules
 * come from one grouped pass over preset_schedules joined by hash, not a sub-select per preset.
 */
export const SELECT_PRESETS = `
SELECT p.id, p.name, t.organization_id, t.id AS template_id, p.template_version_id,
       (t.active_version_id IS NOT DISTINCT FROM p.template_version_id) AS using_active_version,
       t.deleted AS template_deleted, t.deprecated AS template_deprecated,
       p.desired_instances, p.ttl_seconds, p.last_invalidated_at, p.timezone, p.prebuild_status, p.failed_configuration_key,
       COALESCE(s.schedules, '[]'::json) AS schedules
FROM ${PRESET_JOIN}
LEFT JOIN (SELECT preset_id, json_agg(json_build_object('cron', cron, 'instances', instances) ORDER BY id) AS schedules
           FROM preset_schedules GROUP BY preset_id) s ON s.preset_id = p.id
ORDER BY p.id::text COLLATE "C"`;

/** Prebuilds whose latest build is a successful start (an index-only probe per prebuild). */
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

/**
 * Backoffs and hard limits in one statement. Only a preset with a failed create can be in backoff
 * (a failure within the lookback) or at the hard limit (`$4` failures at least), so the candidates
 * come from the failed creates alone (a partial index); for each active candidate, its latest
 * `$5` finished creates come from the workspaces of that preset and their builds (two indexes),
 * newest first. `$1` system user, `$2` now, `$3` lookback in ms, `$4` hard limit (0: none),
 * `$5` how many creates to read, max(hard limit, 1).
 */
export const SELECT_FAILURES = `
WITH failed AS (
  SELECT w.preset_id, count(*) AS failures,
         count(*) FILTER (WHERE b.created_at >= $2::timestamptz - make_interval(secs => $3::double precision / 1000)) AS recent_failures
  FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id
  WHERE b.initiator_id = $1 AND b.transition = 'start' AND b.status = 'failed' AND w.preset_id IS NOT NULL
  GROUP BY w.preset_id
)
SELECT f.preset_id, f.recent_failures::int AS recent_failures, latest.statuses, latest.last_build_at
FROM failed f
JOIN ${PRESET_JOIN} ON p.id = f.preset_id
CROSS JOIN LATERAL (
  SELECT array_agg(c.status ORDER BY c.created_at DESC, c.id DESC) AS statuses, max(c.created_at) AS last_build_at
  FROM (SELECT b.status, b.created_at, b.id
        FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id
        WHERE w.preset_id = f.preset_id AND b.initiator_id = $1 AND b.transition = 'start' AND b.status IN ('succeeded', 'failed')
        ORDER BY b.created_at DESC, b.id DESC
        LIMIT $5::integer) c
) latest
WHERE ${ACTIVE} AND (f.recent_failures > 0 OR ($4::integer > 0 AND f.failures >= $4::integer))
ORDER BY f.preset_id::text COLLATE "C"`;

/**
 * Claim events of presets that still exist, of the retention window before `$1` (the store's
 * now); an event a little in the future (another replica's clock) is included.
 */
export const SELECT_CLAIM_EVENTS = `
SELECT e.preset_id, e.at, e.outcome
FROM claim_events e
WHERE e.at > $1::timestamptz - make_interval(secs => $2::double precision / 1000)
  AND EXISTS (SELECT 1 FROM presets p WHERE p.id = e.preset_id)
ORDER BY e.at, e.id`;

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

/** Records a preset's status and, for validation_failed, the configuration key (`$3`); writes only a change. */
export const UPDATE_PRESET_STATUS = `
UPDATE presets SET prebuild_status = $2, failed_configuration_key = $3
WHERE id = $1 AND (prebuild_status, failed_configuration_key) IS DISTINCT FROM ($2::text, $3::text)`;

export const SELECT_PRESET_PARAMETERS = `SELECT id, parameters FROM presets WHERE template_version_id = $1 ORDER BY id::text COLLATE "C"`;

/**
 * A whole claim in one statement: takes the oldest ready, unexpired prebuild of an active preset
 * (`$2`) for the claimant (`$3` owner, `$4` name, `$5` autostart, `$6` ttl ms, `$7` now; `$1` the
 * system user), records the claimant's start build, records a claim event ("claimed", or
 * "missed" when the preset exists but nothing was claimable), deletes at most two events older
 * than `$8` ms before `$7`, and returns the claimed workspace with its preset's names. Locked
 * rows are skipped, so concurrent claims take different prebuilds, and concurrent prunes
 * different events. Data-modifying CTEs always run to completion, even those nothing reads.
 */
export const CLAIM = `
WITH picked AS (
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
), claimed AS (
  UPDATE workspaces w SET owner_id = $3, name = $4, autostart_schedule = $5, ttl_ms = $6, dormant_at = NULL, deleting_at = NULL
  FROM picked WHERE w.id = picked.id
  RETURNING w.id, w.preset_id, w.created_at
), build AS (
  -- Claims are the user's builds, not the system's: they never count as in-progress prebuilds.
  INSERT INTO workspace_builds (workspace_id, transition, status, created_at, started_at, initiator_id)
  SELECT claimed.id, 'start', 'succeeded', $7, $7, $3 FROM claimed
), event AS (
  INSERT INTO claim_events (preset_id, at, outcome)
  SELECT p.id, $7, CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN 'claimed' ELSE 'missed' END
  FROM presets p WHERE p.id = $2
), pruned AS (
  DELETE FROM claim_events e
  WHERE e.id IN (SELECT old.id FROM claim_events old
                 WHERE old.at < $7::timestamptz - make_interval(secs => $8::double precision / 1000)
                 ORDER BY old.at LIMIT 2 FOR UPDATE SKIP LOCKED)
)
SELECT c.id, c.preset_id, c.created_at, p.name, t.id AS template_id, t.organization_id
FROM claimed c JOIN ${PRESET_JOIN} ON p.id = c.preset_id`;

/**
 * Every preset's all-time totals (`$1` = the system user): create builds the system user started
 * that succeeded or failed, and prebuilds someone else owns now (workspaces whose first build the
 * system user started). Read outside cycles, on the Reconciler's metrics timer; a full pass over
 * the builds, grouped, which is why it is not part of the snapshot.
 */
export const SELECT_BUILD_TOTALS = `
WITH creates AS (
  SELECT w.preset_id,
         count(*) FILTER (WHERE b.status = 'succeeded')::int AS created,
         count(*) FILTER (WHERE b.status = 'failed')::int AS failed
  FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id
  WHERE b.initiator_id = $1 AND b.transition = 'start' AND w.preset_id IS NOT NULL
  GROUP BY w.preset_id
), claims AS (
  SELECT w.preset_id, count(*)::int AS claimed
  FROM workspaces w
  WHERE w.owner_id <> $1 AND w.preset_id IS NOT NULL
    AND (SELECT b.initiator_id FROM workspace_builds b WHERE b.workspace_id = w.id ORDER BY b.created_at, b.id LIMIT 1) = $1
  GROUP BY w.preset_id
)
SELECT p.id AS preset_id, p.name AS preset_name, t.organization_id, t.id AS template_id,
       COALESCE(c.created, 0) AS created, COALESCE(c.failed, 0) AS failed, COALESCE(k.claimed, 0) AS claimed
FROM ${PRESET_JOIN}
LEFT JOIN creates c ON c.preset_id = p.id
LEFT JOIN claims k ON k.preset_id = p.id
ORDER BY p.id::text COLLATE "C"`;
