/**
 * `simulate <scenario.json>`: runs the Reconciler in the in-memory world over simulated time with
 * random claims, and reports what a user and the bill would see.
 */

import { ManualClock } from "../adapters/memory/clock.js";
import { seededRandom } from "../internal/random.js";
import { SimulatedProvisioner } from "../adapters/memory/provisioner.js";
import { InMemoryStore, type MemoryPreset } from "../adapters/memory/store.js";
import { scheduledCount } from "../core/schedule.js";
import { timeZoneProblem, wallClockAt } from "../core/timezone.js";
import { validatePreset } from "../core/validate/index.js";
import { Reconciler } from "../runtime/reconciler.js";
import { svgChart, terminalChart } from "./chart.js";
import { CliInputError, isRecord, parseCount, readJson, reviveDates } from "./input.js";
import type { CommandIo } from "./io.js";
import { MAX_SIMULATION_STEPS, SEED, SIMULATE_DAYS } from "./limits.js";
import { openOutputFile, type OutputFile } from "./output-file.js";

const HOUR_MS = 3_600_000;

/** Claim demand of one preset: claims per hour for each hour of the week, in a zone. */
interface Demand {
  readonly timezone: string;
  /** 168 rates, Monday 00:00 first; or built from `weekdays`/`weekends` (24 rates each). */
  readonly hourOfWeek: readonly number[];
}

interface ScenarioPreset {
  readonly preset: MemoryPreset;
  readonly demand: Demand;
}

/** A scenario, checked. */
interface Scenario {
  readonly start: Date;
  readonly stepSeconds: number;
  readonly coldBuildSeconds: number;
  readonly claimSeconds: number;
  readonly build: { readonly minLatencySeconds: number; readonly maxLatencySeconds: number; readonly failureRate: number; readonly capacity: number | null };
  readonly presets: readonly ScenarioPreset[];
}

/** What a simulation measured. */
export interface SimulationReport {
  readonly claims: number;
  readonly hits: number;
  readonly hitRate: number;
  readonly waitP50Seconds: number;
  readonly waitP95Seconds: number;
  readonly idlePrebuildHours: number;
  readonly buildsStarted: number;
  readonly buildsFailed: number;
  /** Hourly series: desired, ready and claims, summed over presets. */
  readonly hourly: { readonly desired: number[]; readonly ready: number[]; readonly claims: number[] };
}

function numberAt(record: Record<string, unknown>, key: string, file: string, path: string, fallback: number, check: (value: number) => boolean, rule: string): number {
  const value = record[key] ?? fallback;
  if (typeof value !== "number" || !check(value)) throw new CliInputError(`${file}: ${path}${key}: expected ${rule}, got ${JSON.stringify(value)}`);
  return value;
}

function rates(value: unknown, length: number, file: string, path: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((rate) => typeof rate === "number" && Number.isFinite(rate) && rate >= 0)) {
    throw new CliInputError(`${file}: ${path}: expected ${length} claim rates per hour (numbers ≥ 0)`);
  }
  return value as number[];
}

function demandOf(value: unknown, file: string, path: string): Demand {
  if (!isRecord(value)) throw new CliInputError(`${file}: ${path}: expected an object with "timezone" and "hourOfWeek" or "weekdays"/"weekends"`);
  const timezone = value["timezone"] ?? "UTC";
  if (typeof timezone !== "string") throw new CliInputError(`${file}: ${path}.timezone: expected an IANA time zone name`);
  const zoneProblem = timeZoneProblem(timezone);
  if (zoneProblem !== null) throw new CliInputError(`${file}: ${path}.timezone: ${zoneProblem}`);
  if (value["hourOfWeek"] !== undefined) return { timezone, hourOfWeek: rates(value["hourOfWeek"], 168, file, `${path}.hourOfWeek`) };
  const weekdays = rates(value["weekdays"], 24, file, `${path}.weekdays`);
  const weekends = rates(value["weekends"] ?? new Array(24).fill(0), 24, file, `${path}.weekends`);
  return { timezone, hourOfWeek: [0, 1, 2, 3, 4, 5, 6].flatMap((day) => (day < 5 ? weekdays : weekends)) };
}

/** Reads and checks a scenario file. */
export function readScenario(file: string): Scenario {
  const value = reviveDates(readJson(file), file);
  if (!isRecord(value)) throw new CliInputError(`${file}: expected a scenario object`);
  const start = new Date(typeof value["start"] === "string" ? value["start"] : Number.NaN);
  if (Number.isNaN(start.getTime())) throw new CliInputError(`${file}: start: expected an ISO date`);
  const build = isRecord(value["build"]) ? value["build"] : {};
  const positive = (number: number) => Number.isFinite(number) && number > 0;
  const minLatencySeconds = numberAt(build, "minLatencySeconds", file, "build.", 120, positive, "a number of seconds > 0");
  const scenarioPresets = value["presets"];
  if (!Array.isArray(scenarioPresets) || scenarioPresets.length === 0) throw new CliInputError(`${file}: presets: expected a non-empty array`);
  const presets = scenarioPresets.map((entry: unknown, index): ScenarioPreset => {
    const path = `presets[${index}]`;
    if (!isRecord(entry)) throw new CliInputError(`${file}: ${path}: expected a preset object`);
    const { demand, ...fields } = entry;
    const preset = { parameters: {}, organizationId: "org", templateId: "template", templateVersionId: "version", usingActiveVersion: true, templateDeleted: false, templateDeprecated: false, name: String(fields["id"] ?? path), ...fields } as unknown as MemoryPreset;
    const issues = validatePreset(preset);
    if (issues.length > 0) throw new CliInputError(issues.map((issue) => `${file}: ${path}.${issue.path}: ${issue.message}`).join("\n"));
    return { preset, demand: demandOf(demand, file, `${path}.demand`) };
  });
  const capacity = build["capacity"] ?? null;
  if (capacity !== null && (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity <= 0)) {
    throw new CliInputError(`${file}: build.capacity: expected a positive whole number or null, got ${JSON.stringify(capacity)}`);
  }
  return {
    start,
    stepSeconds: numberAt(value, "stepSeconds", file, "", 60, positive, "a number of seconds > 0"),
    coldBuildSeconds: numberAt(value, "coldBuildSeconds", file, "", 300, positive, "a number of seconds > 0"),
    claimSeconds: numberAt(value, "claimSeconds", file, "", 5, (number) => Number.isFinite(number) && number >= 0, "a number of seconds ≥ 0"),
    build: {
      minLatencySeconds,
      maxLatencySeconds: numberAt(build, "maxLatencySeconds", file, "build.", Math.max(300, minLatencySeconds), (number) => positive(number) && number >= minLatencySeconds, "a number of seconds ≥ minLatencySeconds"),
      failureRate: numberAt(build, "failureRate", file, "build.", 0, (number) => number >= 0 && number <= 1, "a number from 0 to 1"),
      capacity,
    },
    presets,
  };
}

/** Knuth's method: fine for the small per-step rates of claims. */
function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random();
  while (product > limit) {
    count += 1;
    product *= random();
  }
  return count;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

/** Runs a scenario. Same scenario and seed, same report. */
export async function runSimulation(scenario: Scenario, days: number, seed: number): Promise<SimulationReport> {
  const systemUserId = "prebuilds";
  const clock = new ManualClock(scenario.start);
  const store = new InMemoryStore({ clock, systemUserId });
  for (const { preset } of scenario.presets) store.upsertPreset(preset);
  const provisioner = new SimulatedProvisioner({
    store,
    clock,
    seed,
    minLatencyMs: scenario.build.minLatencySeconds * 1000,
    maxLatencyMs: scenario.build.maxLatencySeconds * 1000,
    failureRate: scenario.build.failureRate,
    ...(scenario.build.capacity === null ? {} : { capacity: scenario.build.capacity }),
  });
  const reconciler = new Reconciler({ store, provisioner, clock, systemUserId });
  const random = seededRandom(seed ^ 0x5bd1e995);
  const stepMs = scenario.stepSeconds * 1000;
  const steps = Math.ceil((days * 24 * HOUR_MS) / stepMs);
  const waits: number[] = [];
  let hits = 0;
  let idleHours = 0;
  const hourly = { desired: [] as number[], ready: [] as number[], claims: [] as number[] };
  await reconciler.reconcileOnce();
  for (let step = 0; step < steps; step += 1) {
    clock.advance(stepMs);
    provisioner.advance();
    const nowMs = clock.now().getTime();
    const hour = Math.floor((nowMs - scenario.start.getTime() - 1) / HOUR_MS);
    while (hourly.claims.length <= hour) {
      hourly.claims.push(0);
      hourly.desired.push(0);
      hourly.ready.push(0);
    }
    for (const { preset, demand } of scenario.presets) {
      const wall = wallClockAt(demand.timezone, nowMs);
      const hourOfWeek = ((wall.dayOfWeek + 6) % 7) * 24 + wall.hour;
      const claims = poisson(((demand.hourOfWeek[hourOfWeek] ?? 0) * stepMs) / HOUR_MS, random);
      for (let claim = 0; claim < claims; claim += 1) {
        const result = await reconciler.claim({ presetId: preset.id, claimant: { userId: `user-${step}-${claim}`, workspaceName: `w-${step}-${claim}` } });
        if (result.status === "claimed") {
          hits += 1;
          waits.push(scenario.claimSeconds);
        } else waits.push(scenario.coldBuildSeconds);
      }
      hourly.claims[hour] = (hourly.claims[hour] ?? 0) + claims;
    }
    await reconciler.reconcileOnce();
    let ready = 0;
    for (const workspace of store.listWorkspaces()) if (!workspace.deleted && workspace.ready && workspace.ownerId === systemUserId) ready += 1;
    idleHours += (ready * stepMs) / HOUR_MS;
    const desired = scenario.presets.reduce((sum, { preset }) => sum + scheduledCount(preset, nowMs).count, 0);
    hourly.desired[hour] = Math.max(hourly.desired[hour] ?? 0, desired);
    hourly.ready[hour] = ready;
  }
  const sortedWaits = [...waits].sort((left, right) => left - right);
  const builds = store.listBuilds().filter((build) => build.transition === "start" && build.initiatorId === systemUserId);
  return {
    claims: waits.length,
    hits,
    hitRate: waits.length === 0 ? 1 : hits / waits.length,
    waitP50Seconds: percentile(sortedWaits, 0.5),
    waitP95Seconds: percentile(sortedWaits, 0.95),
    idlePrebuildHours: Math.round(idleHours * 10) / 10,
    buildsStarted: builds.length,
    buildsFailed: builds.filter((build) => build.status === "failed").length,
    hourly,
  };
}

/** Runs `simulate`; resolves to the exit code. */
export async function simulateCommand(file: string, options: { days?: string | number; seed?: string | number; svg?: string; json?: boolean }, io: CommandIo): Promise<number> {
  const scenario = readScenario(file);
  const days = parseCount(options.days, "--days", 7, SIMULATE_DAYS);
  const seed = parseCount(options.seed, "--seed", 1, SEED);
  const steps = Math.ceil((days * 24 * HOUR_MS) / (scenario.stepSeconds * 1000));
  if (steps > MAX_SIMULATION_STEPS) {
    throw new CliInputError(`${file}: stepSeconds: ${days} day${days === 1 ? "" : "s"} of ${scenario.stepSeconds} s steps is ${steps} steps, more than ${MAX_SIMULATION_STEPS}; use a larger stepSeconds or fewer --days`);
  }
  const svgFile = options.svg === undefined ? null : openOutputFile(options.svg, "--svg");
  try {
    return await simulateInto(scenario, days, seed, options, svgFile, io);
  } finally {
    svgFile?.close();
  }
}

async function simulateInto(scenario: Scenario, days: number, seed: number, options: { json?: boolean }, svgFile: OutputFile | null, io: CommandIo): Promise<number> {
  const report = await runSimulation(scenario, days, seed);
  if (options.json === true) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.out(`Simulated ${days} day${days === 1 ? "" : "s"} from ${scenario.start.toISOString()} (seed ${seed})\n`);
    io.out(`  claims                ${report.claims}\n`);
    io.out(`  served warm           ${report.hits} (hit rate ${(report.hitRate * 100).toFixed(1)} %)\n`);
    io.out(`  wait p50 / p95        ${report.waitP50Seconds} s / ${report.waitP95Seconds} s (a miss waits a ${scenario.coldBuildSeconds} s cold build)\n`);
    io.out(`  idle prebuild-hours   ${report.idlePrebuildHours}\n`);
    io.out(`  builds started        ${report.buildsStarted} (${report.buildsFailed} failed)\n`);
    io.out(`\ndesired (green) and ready (blue) prebuilds, hourly:\n${terminalChart([report.hourly.desired, report.hourly.ready], { colors: io.color })}\n`);
  }
  if (svgFile !== null) {
    const start = scenario.start.getTime();
    const labels = report.hourly.desired.map((_, hour) => {
      const at = new Date(start + hour * HOUR_MS);
      return at.toISOString().slice(5, 10);
    });
    const svg = svgChart(
      `Prebuild pool over ${days} day${days === 1 ? "" : "s"}: hit rate ${(report.hitRate * 100).toFixed(1)} %`,
      labels,
      [
        { name: "desired", color: "#2ca02c", values: report.hourly.desired },
        { name: "ready", color: "#1f77b4", values: report.hourly.ready },
        { name: "claims per hour", color: "#d62728", values: report.hourly.claims },
      ],
      24,
      "day (UTC)",
    );
    svgFile.replace(svg);
    io.err(`wrote ${svgFile.path}\n`);
  }
  return 0;
}
