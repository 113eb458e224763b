/**
 * `status`: every preset of the live database, what it wants and has, what blocks it, and the
 * plan the next cycle would make, with reasons. Read-only: it takes no lock and writes nothing.
 */

import Table from "cli-table3";
import pc from "picocolors";
import { PostgresStore } from "../adapters/postgres/store.js";
import { planCycle } from "../core/cycle.js";
import { describeAction } from "../core/describe.js";
import { isPresetActive } from "../core/state.js";
import type { CyclePlan, PresetPlan, ReconcilePolicy } from "../core/types/index.js";
import { withPool, type DatabaseOptions } from "./database.js";
import { CliInputError, isRecord, parseCount, parseInstant, readJson } from "./input.js";
import { WATCH_SECONDS } from "./limits.js";
import { toJson, type CommandIo } from "./io.js";

/** The options of `status`. */
export interface StatusOptions extends DatabaseOptions {
  readonly preset?: string;
  readonly json?: boolean;
  readonly watch?: string | number;
  readonly at?: string;
  readonly systemUser?: string;
  readonly policy?: string;
}

/** One preset as `status` shows it. */
interface PresetStatusLine {
  readonly presetId: string;
  readonly name: string;
  readonly active: boolean;
  readonly paused: boolean;
  readonly desired: number;
  readonly source: string;
  readonly running: number;
  readonly eligible: number;
  readonly starting: number;
  readonly expired: number;
  readonly blocked: string | null;
  readonly blockedReason: string | null;
  readonly backoffUntil: Date | null;
  readonly nextChangeAt: Date | null;
  readonly actions: readonly { readonly summary: string; readonly reason: string }[];
}

function readPolicy(file: string | undefined): Partial<ReconcilePolicy> | undefined {
  if (file === undefined) return undefined;
  const value = readJson(file);
  if (!isRecord(value) || Array.isArray(value)) throw new CliInputError(`${file}: expected a policy object, such as { "maxCreatesPerCycle": 20 }`);
  return value as Partial<ReconcilePolicy>;
}

function sourceOf(plan: PresetPlan): string {
  if (!isPresetActive(plan.preset)) return "inactive";
  if (plan.state.targetSource === "expression") return "expression";
  if (plan.state.targetSource === "expressionFallback") return "base/schedule (expression failed)";
  const scheduling = plan.preset.scheduling;
  return scheduling !== null && scheduling !== undefined && scheduling.schedules.length > 0 ? "schedule" : "base";
}

function lineOf(plan: PresetPlan, paused: boolean): PresetStatusLine {
  const backoff = plan.actions.find((action) => action.type === "backoff");
  return {
    presetId: plan.presetId,
    name: plan.preset.name,
    active: isPresetActive(plan.preset),
    paused,
    desired: plan.state.desired,
    source: sourceOf(plan),
    running: plan.state.actual,
    eligible: plan.state.eligible,
    starting: plan.state.starting,
    expired: plan.state.expired,
    blocked: backoff?.type === "backoff" ? "backoff" : plan.blocked,
    blockedReason: backoff?.type === "backoff" ? backoff.reason : plan.blockedReason,
    backoffUntil: backoff?.type === "backoff" ? backoff.until : null,
    nextChangeAt: plan.nextChangeAt,
    actions: plan.actions.map((action) => ({ summary: describeAction(action), reason: action.reason })),
  };
}

/** Reads the database once and renders it. */
async function render(options: StatusOptions, io: CommandIo, now: () => Date, environment: NodeJS.ProcessEnv): Promise<void> {
  const at = parseInstant(options.at, "--at", now());
  const policy = readPolicy(options.policy);
  await withPool(options, environment, async (pool) => {
    const store = new PostgresStore({ pool, systemUserId: options.systemUser ?? environment["PREBUILD_RECONCILER_SYSTEM_USER"] ?? "prebuilds", clock: { now: () => at } });
    const pause = await store.isPaused();
    const snapshot = await store.loadSnapshot();
    if (options.preset !== undefined && !snapshot.presets.some((preset) => preset.id === options.preset)) {
      throw new CliInputError(`--preset: no preset with id ${JSON.stringify(options.preset)}`);
    }
    const plan: CyclePlan = planCycle(snapshot, { now: () => at }, policy);
    const pausedPresets = new Set(pause.presetIds);
    const planned = new Map(plan.presets.map((entry) => [entry.presetId, entry]));
    const wanted = options.preset === undefined ? snapshot.presets : snapshot.presets.filter((preset) => preset.id === options.preset);
    const lines = wanted.flatMap((preset): PresetStatusLine[] => {
      const entry = planned.get(preset.id);
      if (entry !== undefined) return [lineOf(entry, pause.global || pausedPresets.has(preset.id))];
      if (plan.invalid.some((invalid) => invalid.presetId === preset.id)) return [];
      // Left out by the plan: inactive, with nothing running and nothing queued.
      return [{ presetId: preset.id, name: preset.name, active: false, paused: pause.global || pausedPresets.has(preset.id), desired: 0, source: "inactive", running: 0, eligible: 0, starting: 0, expired: 0, blocked: null, blockedReason: null, backoffUntil: null, nextChangeAt: null, actions: [] }];
    });
    const invalid = plan.invalid.filter((entry) => options.preset === undefined || entry.presetId === options.preset);
    if (options.json === true) {
      io.out(`${toJson({ at, paused: pause.global, nextChangeAt: plan.nextChangeAt, presets: lines, invalid })}\n`);
      return;
    }
    printTable(lines, invalid, pause.global, plan.nextChangeAt, at, io);
  });
}

function printTable(lines: readonly PresetStatusLine[], invalid: CyclePlan["invalid"], pausedGlobally: boolean, nextChangeAt: Date | null, at: Date, io: CommandIo): void {
  const colors = pc.createColors(io.color);
  io.out(`Status at ${at.toISOString()}${pausedGlobally ? colors.yellow(" — reconciliation is PAUSED") : ""}; next change ${nextChangeAt?.toISOString() ?? "none due"}\n`);
  const table = new Table({
    head: ["preset", "desired (from)", "running", "eligible", "starting", "expired", "blocked", "paused"],
    style: { head: io.color ? ["cyan"] : [], border: io.color ? ["grey"] : [] },
  });
  for (const line of lines) {
    table.push([
      line.active ? line.presetId : `${line.presetId} ${colors.dim("(inactive)")}`,
      `${line.desired} (${line.source})`,
      String(line.running),
      String(line.eligible),
      String(line.starting),
      String(line.expired),
      line.blocked === null ? "-" : colors.red(line.backoffUntil === null ? line.blocked : `backoff until ${line.backoffUntil.toISOString()}`),
      line.paused ? colors.yellow("yes") : "no",
    ]);
  }
  io.out(`${table.toString()}\n`);
  for (const line of lines) {
    if (line.actions.length === 0 && line.blockedReason === null) continue;
    io.out(`${colors.bold(line.presetId)}\n`);
    if (line.blockedReason !== null && line.blocked !== "backoff") io.out(`  blocked: ${line.blockedReason}\n`);
    for (const action of line.actions) io.out(`  → ${action.summary}\n    ${action.reason}\n`);
  }
  for (const { presetId, error } of invalid) {
    io.out(`${colors.red("invalid")} ${presetId}\n`);
    for (const issue of error.issues) io.out(`  ${issue.path}: ${issue.message}\n`);
  }
}

/** Runs `status`, once or every `--watch` seconds until interrupted; resolves to the exit code. */
export async function statusCommand(options: StatusOptions, io: CommandIo, now: () => Date, environment: NodeJS.ProcessEnv, stop: AbortSignal): Promise<number> {
  if (options.watch === undefined) {
    await render(options, io, now, environment);
    return 0;
  }
  const seconds = parseCount(options.watch, "--watch", 0, WATCH_SECONDS);
  while (!stop.aborted) {
    await render(options, io, now, environment);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      stop.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (!stop.aborted) io.out("\n");
  }
  return 0;
}
