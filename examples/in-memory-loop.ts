/**
 * A simulated working day: the Reconciler keeps two pools warm while people claim workspaces.
 *
 *   npx tsx examples/in-memory-loop.ts
 *
 * Everything comes from prebuild-reconciler/testing: a ManualClock (time moves only when told),
 * an InMemoryStore (the database) and a SimulatedProvisioner (builds that take one to three
 * minutes, fail now and then, and run at most three at a time). The draws are seeded and the
 * claims are a fixed list, so every run prints the same lines, in any host time zone.
 *
 * `Reconciler.start()` sleeps with real timers, which a simulated clock cannot drive, so this
 * script plays the loop itself: every simulated minute it advances the clock, lets the builds
 * progress, hands out the claims that arrived, and calls `reconcileOnce()`.
 */

import { Reconciler, type LogFields, type Logger, type Metrics, type Notifier, type ReconcileStats } from "../src/index.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryPreset } from "../src/testing.js";

const ZONE = "Europe/Berlin";
const SYSTEM_USER = "prebuilds";
/** Monday 1 June 2026, 00:00 in Berlin (summer time, UTC+2). */
const DAY_START = new Date("2026-05-31T22:00:00Z");
const MINUTE = 60_000;

// ── The world ─────────────────────────────────────────────────────────────────

const clock = new ManualClock(DAY_START);
const store = new InMemoryStore({ clock, systemUserId: SYSTEM_USER });
const provisioner = new SimulatedProvisioner({
  store,
  clock,
  seed: 42,
  minLatencyMs: 1 * MINUTE,
  maxLatencyMs: 3 * MINUTE,
  failureRate: 0.15,
  capacity: 3,
});

const base = {
  organizationId: "org-acme",
  templateId: "tpl-workspaces",
  templateVersionId: "tv-7",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
  lastInvalidatedAt: null,
} as const;

/** One prebuild overnight, four during business hours; a prebuild older than 6 hours is replaced. */
const euDev: MemoryPreset = {
  ...base,
  id: "p-eu-dev",
  name: "eu-dev",
  desiredInstances: 1,
  ttlSeconds: 6 * 3600,
  scheduling: { timezone: ZONE, schedules: [{ cron: "* 8-17 * * 1-5", instances: 4 }] },
  parameters: { region: "eu", size: "medium" },
};
/** A single GPU workspace, kept around the clock. */
const euGpu: MemoryPreset = {
  ...base,
  id: "p-eu-gpu",
  name: "eu-gpu",
  desiredInstances: 1,
  ttlSeconds: null,
  scheduling: null,
  parameters: { region: "eu", size: "gpu" },
};
store.upsertPreset(euDev);
store.upsertPreset(euGpu);

// ── Claims: a fixed list of (Berlin time, who, what) ─────────────────────────

type Wanted = { readonly presetId: string } | { readonly parameters: Readonly<Record<string, string>> };
interface Arrival {
  readonly at: string; // HH:MM in Berlin
  readonly userId: string;
  readonly wants: Wanted;
}

const arrivals: readonly Arrival[] = [
  { at: "08:05", userId: "ana", wants: { presetId: "p-eu-dev" } },
  { at: "08:06", userId: "ben", wants: { presetId: "p-eu-dev" } },
  { at: "08:40", userId: "chloe", wants: { parameters: { region: "eu", size: "medium", editor: "vim" } } },
  { at: "09:00", userId: "dmitri", wants: { presetId: "p-eu-dev" } },
  { at: "09:01", userId: "emma", wants: { presetId: "p-eu-dev" } },
  { at: "09:01", userId: "farid", wants: { presetId: "p-eu-dev" } },
  { at: "09:02", userId: "greta", wants: { presetId: "p-eu-dev" } },
  { at: "09:03", userId: "hugo", wants: { presetId: "p-eu-dev" } },
  { at: "09:30", userId: "ines", wants: { parameters: { region: "eu", size: "gpu" } } },
  { at: "09:31", userId: "jonas", wants: { parameters: { region: "eu", size: "gpu" } } },
  { at: "10:15", userId: "kira", wants: { presetId: "p-eu-dev" } },
  { at: "11:45", userId: "lars", wants: { parameters: { region: "us", size: "medium" } } },
  { at: "13:10", userId: "mia", wants: { presetId: "p-eu-dev" } },
  { at: "13:11", userId: "noah", wants: { presetId: "p-eu-dev" } },
  { at: "14:20", userId: "olga", wants: { presetId: "p-eu-dev" } },
  { at: "16:00", userId: "pablo", wants: { parameters: { region: "eu", size: "gpu" } } },
  { at: "17:30", userId: "quinn", wants: { presetId: "p-eu-dev" } },
  { at: "18:10", userId: "rosa", wants: { presetId: "p-eu-dev" } },
];

/** From 13:05 to 13:20 the provisioner is unreachable: every call to it fails. */
const OUTAGE = { from: "13:05", to: "13:20" };

// ── Output ────────────────────────────────────────────────────────────────────

const berlinTime = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const hhmm = (at: Date) => berlinTime.format(at);
const presetNames = new Map([euDev, euGpu].map((preset) => [preset.id, preset.name]));
const say = (message: string) => console.log(`${hhmm(clock.now())}  ${message}`);

/** Prints what the reconciler logs about presets: every action's reason, failures, the hard limit. */
const logger: Logger = {
  debug: () => {},
  info: (fields, message) => {
    // A delete's reason is logged once with how many of its workspaces were handed to the provisioner.
    if (fields.action === undefined) return;
    const extra = fields.action === "delete" && fields.deleted !== fields.requested ? ` (${String(fields.deleted)} of ${String(fields.requested)} delete calls succeeded)` : "";
    say(`${label(fields)}${message}${extra}`);
  },
  warn: (fields, message) => say(`${label(fields)}warning: ${message}`),
  error: (fields, message) => say(`${label(fields)}error: ${message}: ${String(fields.error)}`),
};
function label(fields: LogFields | undefined): string {
  const name = typeof fields?.presetName === "string" ? fields.presetName : typeof fields?.presetId === "string" ? presetNames.get(fields.presetId) : undefined;
  return name === undefined ? "" : `${name.padEnd(7)} `;
}

/** Counts what the reconciler reports, to print a summary at the end. */
const counters = new Map<string, number>();
const metrics: Metrics = {
  incrementCounter: (name, labels, by) => void counters.set(`${name} ${labels.presetName}`, (counters.get(`${name} ${labels.presetName}`) ?? 0) + by),
  setGauge: () => {},
  observeHistogram: () => {},
};
const notifier: Notifier = {
  hardLimitReached: async (preset) => say(`${preset.name.padEnd(7)} notify template admins: the last creates all failed, no more creates`),
  resourcesReplaced: async () => {},
};

const reconciler = new Reconciler({ store, provisioner, clock, logger, metrics, notifier, systemUserId: SYSTEM_USER, maxDbConnections: 4 });

// ── The day ───────────────────────────────────────────────────────────────────

let warm = 0;
let cold = 0;
let cycles = 0;
let cyclesWithActions = 0;
let failedCalls = 0;

function minuteOfDay(text: string): number {
  const [hours, minutes] = text.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

async function serve(arrival: Arrival): Promise<void> {
  const claimant = { userId: arrival.userId, workspaceName: `${arrival.userId}-dev` };
  const result =
    "presetId" in arrival.wants
      ? await reconciler.claim({ presetId: arrival.wants.presetId, claimant })
      : await reconciler.claim({ templateVersionId: "tv-7", parameters: arrival.wants.parameters, claimant });
  if (result.status === "claimed") {
    warm += 1;
    const ageMinutes = Math.round((result.workspace.claimedAt.getTime() - result.workspace.createdAt.getTime()) / MINUTE);
    say(`${result.workspace.presetName.padEnd(7)} ${arrival.userId} claimed ${result.workspace.workspaceId} (built ${ageMinutes} min ago): warm start`);
  } else {
    cold += 1;
    const name = result.presetId === null ? "-" : (presetNames.get(result.presetId) ?? result.presetId);
    say(`${name.padEnd(7)} ${arrival.userId} gets a cold build: ${result.reason}`);
  }
}

/** Prints the builds that failed since the last look (the reconciler learns of them from the store). */
const reportedFailures = new Set<string>();
function reportFailedBuilds(): void {
  for (const build of store.listBuilds()) {
    if (build.status !== "failed" || reportedFailures.has(build.id)) continue;
    reportedFailures.add(build.id);
    say(`${(presetNames.get(build.presetId) ?? build.presetId).padEnd(7)} the build of ${build.workspaceId} failed`);
  }
}

function note(stats: ReconcileStats): void {
  cycles += 1;
  const { create, delete: deletes, backoff, cancelPending } = stats.actions;
  if (create + deletes + backoff + cancelPending > 0) cyclesWithActions += 1;
  failedCalls += stats.errors;
}

for (let minute = 0; minute < 24 * 60; minute += 1) {
  if (minute > 0) clock.advance(MINUTE);
  provisioner.advance();
  reportFailedBuilds();
  provisioner.outage = minute >= minuteOfDay(OUTAGE.from) && minute < minuteOfDay(OUTAGE.to) ? new Error("provisioner unreachable") : null;
  if (minute === minuteOfDay(OUTAGE.from)) say("-- the provisioner becomes unreachable");
  if (minute === minuteOfDay(OUTAGE.to)) say("-- the provisioner is back");
  for (const arrival of arrivals) if (minuteOfDay(arrival.at) === minute) await serve(arrival);
  note(await reconciler.reconcileOnce());
}

// ── Summary ───────────────────────────────────────────────────────────────────

const creates = store.listBuilds().filter((build) => build.transition === "start" && build.initiatorId === SYSTEM_USER);
const succeeded = creates.filter((build) => build.status === "succeeded").length;
const failed = creates.filter((build) => build.status === "failed").length;
const deletes = store.listBuilds().filter((build) => build.transition === "delete").length;
const waiting = store.listWorkspaces().filter((workspace) => !workspace.deleted && workspace.ready && workspace.ownerId === SYSTEM_USER);

// The created, failed and claimed counters come from the store's build totals, read here once
// (a loop started with start() reads them every metricsRefreshMs by itself).
await reconciler.refreshMetrics();

console.log("");
console.log(`Summary of ${cycles} cycles (${cyclesWithActions} with actions, ${failedCalls} failed port calls)`);
console.log(`  claims: ${warm + cold}, served warm ${warm}, cold ${cold}`);
console.log(`  prebuild builds: ${creates.length} queued, ${succeeded} succeeded, ${failed} failed, ${creates.length - succeeded - failed} still running`);
console.log(`  delete builds: ${deletes}`);
for (const preset of [euDev, euGpu]) {
  const count = (name: string) => counters.get(`${name} ${preset.name}`) ?? 0;
  console.log(`  ${preset.name}: counters created ${count("created")}, failed ${count("failed")}, claimed ${count("claimed")}; recorded status ${store.presetStatus(preset.id)}`);
}
console.log(`  waiting in the pools at midnight: ${waiting.map((workspace) => `${workspace.id} (${presetNames.get(workspace.presetId) ?? ""})`).join(", ")}`);
