/**
 * One reconciliation cycle over a realistic snapshot, planned by the pure core.
 *
 *   npm run demo              # a readable table
 *   npm run demo -- --json    # the CyclePlan as JSON
 *
 * Nothing here reads the real time or touches a database: the snapshot is built in code and the
 * clock is fixed, so the output is the same on every machine and in every time zone.
 */

import {
  describeAction,
  planCycle,
  type Clock,
  type CyclePlan,
  type GlobalSnapshot,
  type Preset,
  type ReconciliationAction,
  type RunningPrebuild,
} from "../src/index.js";

// Tuesday 2026-11-24, 10:30 in Berlin (CET, UTC+1).
const NOW = new Date("2026-11-24T09:30:00Z");
const clock: Clock = { now: () => NOW };
/** At most this many creates per cycle, shared by the presets that need them. */
const BUDGET = 6;

/** A preset of the "workspaces" template on its active version; override what differs. */
function preset(id: string, name: string, overrides: Partial<Preset> = {}): Preset {
  return {
    id,
    name,
    organizationId: "org-acme",
    templateId: "tpl-workspaces",
    templateVersionId: "tv-7",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 1,
    ttlSeconds: null,
    lastInvalidatedAt: null,
    scheduling: null,
    ...overrides,
  };
}

/** A running prebuild created `minutesAgo` minutes before NOW. */
function prebuild(id: string, presetId: string, minutesAgo: number, ready = true): RunningPrebuild {
  return { id, presetId, createdAt: new Date(NOW.getTime() - minutesAgo * 60_000), ready };
}

const snapshot: GlobalSnapshot = {
  presets: [
    // Business hours in Berlin: 6 prebuilds on weekdays 09:00–19:00, 1 otherwise.
    preset("p-berlin", "eu-dev (business hours)", {
      scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-18 * * 1-5", instances: 6 }] },
    }),
    // The same preset on the previous template version: no longer active.
    preset("p-berlin-v6", "eu-dev on tv-6 (outdated)", { templateVersionId: "tv-6", usingActiveVersion: false }),
    // A template that has been deprecated.
    preset("p-legacy", "legacy-java8 (deprecated)", { templateId: "tpl-legacy", templateDeprecated: true }),
    // Prebuilds live 8 hours; the preset was also invalidated (its image was rebuilt) last night.
    preset("p-gpu", "gpu-large (TTL 8 h)", {
      desiredInstances: 3,
      ttlSeconds: 8 * 3600,
      lastInvalidatedAt: new Date("2026-11-23T22:00:00Z"),
    }),
    // Its last three creates failed.
    preset("p-arm", "arm64 (failing builds)", { desiredInstances: 2 }),
    // Its last N creates all failed: the host marked it hard-limited.
    preset("p-windows", "windows (hard limit)", { desiredInstances: 2, ttlSeconds: 3600 }),
    // Wants 1, has 3.
    preset("p-small", "us-small (surplus)", { desiredInstances: 1 }),
    // A new preset that wants many prebuilds: the cycle budget shares creates fairly.
    preset("p-ci", "ci-runners (new)", { desiredInstances: 6 }),
    // An outdated preset with nothing left to clean up: skipped.
    preset("p-old", "eu-dev on tv-5 (clean)", { templateVersionId: "tv-5", usingActiveVersion: false }),
    // Invalid: a time zone that does not exist and a 6-field cron expression.
    preset("p-apac", "apac (misconfigured)", {
      scheduling: {
        timezone: "Asia/Atlantis",
        schedules: [{ cron: "0 * 9-18 * * 1-5", instances: 2 }],
      },
    }),
  ],
  running: [
    prebuild("ws-b1", "p-berlin", 300),
    prebuild("ws-b2", "p-berlin", 45),
    prebuild("ws-v6a", "p-berlin-v6", 2000),
    prebuild("ws-v6b", "p-berlin-v6", 1500, false),
    prebuild("ws-l1", "p-legacy", 9000),
    prebuild("ws-g1", "p-gpu", 720), // created 21:30 UTC yesterday: before the invalidation
    prebuild("ws-g2", "p-gpu", 600), // 10 h old: past the 8 h TTL
    prebuild("ws-g3", "p-gpu", 60),
    prebuild("ws-w1", "p-windows", 90), // past its 1 h TTL
    prebuild("ws-s1", "p-small", 400),
    prebuild("ws-s2", "p-small", 200, false),
    prebuild("ws-s3", "p-small", 100),
    // A row naming a preset that is not in `presets` (deleted between two reads, say).
    prebuild("ws-x1", "p-ghost", 30),
  ],
  inProgress: [
    { presetId: "p-berlin", transition: "start", count: 1 },
  ],
  pendingNonActive: [{ presetId: "p-berlin-v6", count: 2 }],
  backoffs: [{ presetId: "p-arm", failedBuilds: 3, lastBuildAt: new Date(NOW.getTime() - 60_000) }],
  hardLimitedPresetIds: ["p-windows"],
};

// Piped into `head`, the reader may leave early: stop quietly instead of with a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const plan = planCycle(snapshot, clock, { backoffIntervalMs: 60_000, maxCreatesPerCycle: BUDGET });

if (process.argv.includes("--json")) printJson(plan);
else printTable(plan);

/** The plan as JSON: Dates become ISO strings, errors become { code, presetId, issues }. */
function printJson(cyclePlan: CyclePlan): void {
  const invalid = cyclePlan.invalid.map(({ presetId, error }) => ({
    presetId,
    error: { code: error.code, presetId: error.presetId, issues: error.issues },
  }));
  console.log(JSON.stringify({ ...cyclePlan, invalid }, null, 2));
}

function printTable(cyclePlan: CyclePlan): void {
  const names = new Map(snapshot.presets.map((p) => [p.id, p.name]));
  const columns = [
    { title: "preset", width: 40 },
    { title: "desired", width: 8 },
    { title: "running", width: 8 },
    { title: "expired", width: 8 },
    { title: "starting", width: 9 },
    { title: "blocked", width: 12 },
  ];
  const line = (cells: readonly string[]): string =>
    cells.map((cell, index) => cell.padEnd(columns[index]?.width ?? 0)).join(" ").trimEnd();

  console.log(`Cycle planned at ${NOW.toISOString()} with a budget of ${BUDGET} creates`);
  console.log("(running counts expired prebuilds too; each action is followed by its reason)\n");
  console.log(line(columns.map((column) => column.title)));
  console.log(line(columns.map((column) => "-".repeat(column.width))));
  for (const presetPlan of cyclePlan.presets) {
    const { state } = presetPlan;
    const label = `${presetPlan.presetId} ${names.get(presetPlan.presetId) ?? ""}`;
    const cells = [label, state.desired, state.actual, state.expired, state.starting, presetPlan.blocked ?? "-"];
    console.log(line(cells.map(String)));
    if (presetPlan.actions.length === 0) console.log("    (nothing to do)");
    for (const action of presetPlan.actions) {
      console.log(`    → ${describeAction(action)}`);
      console.log(`      ${action.reason}`);
    }
  }

  console.log("\nInvalid presets (left out of the plan, the others went on):");
  for (const { presetId, error } of cyclePlan.invalid) {
    console.log(`  ${presetId} [${error.code}]`);
    for (const issue of error.issues) console.log(`    ${issue.path}: ${issue.message}`);
  }

  const knownIds = new Set(snapshot.presets.map((p) => p.id));
  const invalidPresets = cyclePlan.invalid.filter((entry) => knownIds.has(entry.presetId)).length;
  const unknownIds = cyclePlan.invalid.length - invalidPresets;
  const actions = cyclePlan.presets.flatMap((p) => p.actions);
  const kinds: readonly ReconciliationAction["type"][] = ["cancelPending", "delete", "create", "backoff"];
  const created = actions.reduce((sum, action) => sum + (action.type === "create" ? action.count : 0), 0);
  console.log("\nTotals:");
  console.log(`  presets in snapshot   ${cyclePlan.presetsTotal}`);
  console.log(`  reconciled            ${cyclePlan.presetsReconciled}`);
  console.log(`  skipped               ${cyclePlan.presetsTotal - cyclePlan.presetsReconciled - invalidPresets}`);
  console.log(`  invalid               ${invalidPresets} (and ${unknownIds} unknown preset id named by rows)`);
  console.log(`  actions               ${kinds.map((kind) => `${kind} ${actions.filter((a) => a.type === kind).length}`).join(", ")}`);
  console.log(`  prebuilds to create   ${created} (budget ${BUDGET})`);
}
