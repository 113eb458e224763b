/**
 * Deterministic snapshots for the benchmarks. Everything is drawn from a seeded generator, so the
 * same size gives the same rows on every run and every machine. Generation is never timed.
 */

import { seededRandom as internalSeededRandom } from "../src/internal/random.js";
import type { BackoffRow, ClaimEvent, GlobalSnapshot, InProgressRow, PendingNonActiveRow, Preset, PrebuildSchedule, RunningPrebuild } from "../src/index.js";

/** The instant every benchmark plans at: Monday 2025-06-02 08:00 UTC (10:00 in Berlin, 04:00 in New York). */
export const NOW = new Date("2025-06-02T08:00:00.000Z");
export const NOW_MS = NOW.getTime();
export const clock = { now: (): Date => NOW };

const HOUR_MS = 3_600_000;

/** The library's own seeded generator (mulberry32), so the benchmarks draw the same way as the simulator. */
export const seededRandom = internalSeededRandom;

/** Zones that observe daylight saving time. */
export const DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London", "America/Los_Angeles"] as const;

/** Pairs of schedules, as template authors write them: working hours plus a second window. */
const SCHEDULE_PAIRS: readonly (readonly [PrebuildSchedule, PrebuildSchedule])[] = [
  [{ cron: "* 8-18 * * 1-5", instances: 12 }, { cron: "* 8-14 * * 6", instances: 4 }],
  [{ cron: "* 9-17 * * mon-fri", instances: 14 }, { cron: "0-29 12 * * *", instances: 16 }],
  [{ cron: "*/5 6-22 * * 1-5", instances: 11 }, { cron: "* 0-5 * * *", instances: 2 }],
  [{ cron: "* 7-19 * * 1-5", instances: 12 }, { cron: "* * 1,15 * *", instances: 6 }],
  [{ cron: "* 8-18 * jan-nov 1-5", instances: 13 }, { cron: "* 20-23 * * 0,6", instances: 3 }],
  [{ cron: "* 10-16 * * 2-4", instances: 15 }, { cron: "* 8-18 * * 1-5", instances: 12 }],
];

/** How a generated snapshot is made up, for the report. */
export interface SnapshotShape {
  readonly presets: number;
  readonly rows: number;
  readonly running: number;
  readonly scheduled: number;
  readonly inactive: number;
  readonly inBackoff: number;
  readonly hardLimited: number;
  readonly claimEvents: number;
}

/**
 * A string as a database driver hands it over: a flat copy of its own for every row that holds it.
 * A template literal gives a rope (a V8 cons string), whose hashing and comparison cost more each
 * time than those of the flat strings every real store reads; and a row that shares its preset's
 * id string would make look-ups by that id cheaper than they are for rows read from a database.
 */
function asRead(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
}

/** Fisher–Yates with the seeded generator: rows come from the database in no particular order. */
function shuffle(items: Int32Array, random: () => number): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const swap = items[index] as number;
    items[index] = items[other] as number;
    items[other] = swap;
  }
}

/**
 * A global snapshot of `presetCount` presets with `prebuildsPerPreset` running prebuilds each:
 * - half of the presets have two schedules in a DST zone (the other half use the base count 10);
 * - every preset has a TTL (24 h, or 12 h for one in five); about 8 % of the prebuilds are expired;
 * - 10 % of the presets are inactive (version superseded, template deprecated or deleted), a third
 *   of those with queued non-active creates;
 * - 5 % of the active presets have a backoff row (half of them still backing off), 1 % are hard-limited;
 * - 20 % have builds starting, 5 % builds deleting; 90 % of the prebuilds are ready;
 * - a third of the active presets have 1 to 4 claim events (one in five a miss) in the last 2 hours.
 */
export function generateSnapshot(presetCount: number, prebuildsPerPreset = 10, seed = 20_250_602): { snapshot: GlobalSnapshot; shape: SnapshotShape } {
  const random = seededRandom(seed ^ presetCount);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const presets: Preset[] = [];
  const running: RunningPrebuild[] = [];
  const inProgress: InProgressRow[] = [];
  const pendingNonActive: PendingNonActiveRow[] = [];
  const backoffs: BackoffRow[] = [];
  const hardLimitedPresetIds: string[] = [];
  const claimEvents: ClaimEvent[] = [];
  let scheduled = 0;
  let inactive = 0;
  const width = String(presetCount).length;
  for (let index = 0; index < presetCount; index += 1) {
    const id = asRead(`preset-${String(index).padStart(width, "0")}`);
    const template = index % 500;
    const isInactive = random() < 0.1;
    const hasSchedules = index % 2 === 0;
    const inactiveKind = Math.floor(random() * 3);
    const ttlSeconds = random() < 0.2 ? 12 * 3600 : 24 * 3600;
    const preset: Preset = {
      id,
      name: `preset ${index}`,
      organizationId: `org-${index % 50}`,
      templateId: `template-${template}`,
      templateVersionId: `version-${template}-${isInactive ? 1 : 2}`,
      usingActiveVersion: !(isInactive && inactiveKind === 0),
      templateDeleted: isInactive && inactiveKind === 1,
      templateDeprecated: isInactive && inactiveKind === 2,
      desiredInstances: 10,
      ttlSeconds,
      lastInvalidatedAt: null,
      scheduling: hasSchedules ? { timezone: pick(DST_ZONES), schedules: pick(SCHEDULE_PAIRS) } : null,
    };
    presets.push(preset);
    if (hasSchedules) scheduled += 1;
    if (isInactive) inactive += 1;

    if (isInactive) {
      if (random() < 0.33) pendingNonActive.push({ presetId: id, count: 1 + Math.floor(random() * 3) });
      continue;
    }
    if (random() < 0.2) inProgress.push({ presetId: id, transition: "start", count: 1 + Math.floor(random() * 2) });
    if (random() < 0.05) inProgress.push({ presetId: id, transition: "delete", count: 1 });
    if (random() < 0.05) {
      // Half still backing off (last failure 30 s ago), half past it (20 min ago).
      const ago = random() < 0.5 ? 30_000 : 20 * 60_000;
      backoffs.push({ presetId: id, failedBuilds: 1 + Math.floor(random() * 3), lastBuildAt: new Date(NOW_MS - ago) });
    }
    if (random() < 0.01) hardLimitedPresetIds.push(id);
    // A third have claims or misses within the longest demand window (120 minutes).
    if (random() < 0.33) {
      const events = 1 + Math.floor(random() * 4);
      for (let event = 0; event < events; event += 1) {
        claimEvents.push({ presetId: asRead(id), at: new Date(NOW_MS - Math.floor(random() * 120 * 60_000)), outcome: random() < 0.8 ? "claimed" : "missed" });
      }
    }
  }
  // Rows come from the database in no particular order, and a driver allocates them in the order it
  // reads them: shuffle the order first, then allocate each row in it, so that memory layout follows
  // array order as it would (and no second copy of a million rows is ever alive).
  const order = new Int32Array(presetCount * prebuildsPerPreset);
  for (let slot = 0; slot < order.length; slot += 1) order[slot] = slot;
  shuffle(order, random);
  for (const code of order) {
    const presetId = (presets[Math.floor(code / prebuildsPerPreset)] as Preset).id;
    // Ages spread over 0–26 h: with a 24 h TTL about one in thirteen is expired.
    const ageMs = Math.floor(random() * 26 * HOUR_MS);
    running.push({ id: asRead(`${presetId}-pb-${code % prebuildsPerPreset}`), presetId: asRead(presetId), createdAt: new Date(NOW_MS - ageMs), ready: random() < 0.9 });
  }
  const snapshot: GlobalSnapshot = { presets, running, inProgress, pendingNonActive, backoffs, hardLimitedPresetIds, claimEvents };
  const rows = presets.length + running.length + inProgress.length + pendingNonActive.length + backoffs.length + hardLimitedPresetIds.length + claimEvents.length;
  return {
    snapshot,
    shape: { presets: presetCount, rows, running: running.length, scheduled, inactive, inBackoff: backoffs.length, hardLimited: hardLimitedPresetIds.length, claimEvents: claimEvents.length },
  };
}

/** The examples of SPEC §11, given to the presets in turn by {@link withTargetExpressions}. */
export const TARGET_EXPRESSIONS = [
  "max(scheduled_target, ceil(claim_rate_30m * 10))",
  "hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0",
  "misses_10m > 0 ? eligible + misses_10m : scheduled_target",
] as const;

/**
 * The same snapshot (the very same row objects) with a target expression on every preset. Each
 * preset is rebuilt as one object literal, the way a store builds the objects it reads: a copy made
 * with `{ ...preset, desiredInstancesExpression }` gives objects that V8 reads many times slower
 * (preset validation took 20× as long on them), which would measure the copy, not the expressions.
 */
export function withTargetExpressions(snapshot: GlobalSnapshot): GlobalSnapshot {
  const presets = snapshot.presets.map(
    (preset, index): Preset => ({
      id: preset.id,
      name: preset.name,
      organizationId: preset.organizationId,
      templateId: preset.templateId,
      templateVersionId: preset.templateVersionId,
      usingActiveVersion: preset.usingActiveVersion,
      templateDeleted: preset.templateDeleted,
      templateDeprecated: preset.templateDeprecated,
      desiredInstances: preset.desiredInstances,
      ttlSeconds: preset.ttlSeconds ?? null,
      lastInvalidatedAt: preset.lastInvalidatedAt ?? null,
      scheduling: preset.scheduling ?? null,
      desiredInstancesExpression: TARGET_EXPRESSIONS[index % TARGET_EXPRESSIONS.length] as string,
    }),
  );
  return { ...snapshot, presets };
}
