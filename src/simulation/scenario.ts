/**
 * Simulation scenarios: what to simulate (presets with their demand, how builds behave, the
 * reconcile policy), as a person writes it, and the checked form the engine runs.
 */

import type { MemoryPreset } from "../adapters/memory/rows.js";
import type { ValidationIssue } from "../core/errors.js";
import { PolicyValidationError } from "../core/errors.js";
import { resolvePolicy } from "../core/policy.js";
import { timeZoneProblem } from "../core/timezone.js";
import type { Preset, ReconcilePolicy } from "../core/types/index.js";
import { validatePreset } from "../core/validate/index.js";
import { isIsoInstant, type ClaimTrace } from "./trace.js";

/**
 * Demand as rates: claims per hour by wall-clock hour in a zone. Each simulated step draws its
 * claims from a Poisson distribution with mean `rate × stepSeconds / 3600`.
 */
export interface RateDemand {
  /** The zone the hours are read in (IANA name); default `"UTC"`. */
  readonly timezone?: string;
  /** 24 rates, 00:00 first, Monday to Friday (with `weekends`). */
  readonly weekdays?: readonly number[];
  /** 24 rates, 00:00 first, Saturday and Sunday; default all 0. */
  readonly weekends?: readonly number[];
  /** 168 rates, Monday 00:00 first (instead of `weekdays`/`weekends`). */
  readonly hourOfWeek?: readonly number[];
}

/** Demand as a trace: the instants of the preset's claims, replayed exactly. */
export interface TraceDemand {
  /** When each claim was made: Dates or ISO 8601 date-times with an offset, in any order. */
  readonly claims: readonly (Date | string)[];
}

/** A preset's demand: rates per hour of week, or a trace. */
export type ScenarioDemand = RateDemand | TraceDemand;

/**
 * A preset of a scenario: every {@link Preset} field (target expression and lead time included),
 * of which only `id` and `desiredInstances` are required, and its demand.
 */
export interface ScenarioPreset extends Partial<Omit<Preset, "id" | "desiredInstances" | "lastInvalidatedAt">> {
  /** Unique id of the preset. */
  readonly id: string;
  /** Base count of prebuilds. */
  readonly desiredInstances: number;
  /** Prebuilds created strictly before this instant are expired (a Date or an ISO string). */
  readonly lastInvalidatedAt?: Date | string | null;
  /** Template parameters; default none. */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Its claims; required unless the scenario has a `trace`. */
  readonly demand?: ScenarioDemand;
}

/** How simulated builds behave. */
export interface BuildBehaviour {
  /** Shortest build, in seconds; default 120. */
  readonly minLatencySeconds?: number;
  /** Longest build, in seconds, at least `minLatencySeconds`; default the larger of 300 and `minLatencySeconds`. */
  readonly maxLatencySeconds?: number;
  /** Chance that a build fails, from 0 to 1; default 0. */
  readonly failureRate?: number;
  /** Builds that run at once (the rest wait), or `null` for no limit; default `null`. */
  readonly capacity?: number | null;
}

/**
 * What to simulate, as a person writes it (the JSON of a scenario file has the same shape, with a
 * file name in `trace`).
 *
 * @example
 * const scenario: SimulationScenario = {
 *   start: "2025-06-02T00:00:00Z",
 *   build: { minLatencySeconds: 180, maxLatencySeconds: 420 },
 *   presets: [{ id: "eu-dev", desiredInstances: 2, demand: { timezone: "Europe/Berlin", weekdays: [...] } }],
 * };
 */
export interface SimulationScenario {
  /** When the simulation starts (a Date or an ISO string). */
  readonly start: Date | string;
  /** Simulated time between two cycles, > 0; default 60. */
  readonly stepSeconds?: number;
  /** How long a claim that misses waits (a cold build), > 0; default 300. */
  readonly coldBuildSeconds?: number;
  /** How long a claim that hits waits, ≥ 0; default 5. */
  readonly claimSeconds?: number;
  /** How builds behave. */
  readonly build?: BuildBehaviour;
  /** The reconcile policy the simulated Reconciler runs with; default the library's defaults. */
  readonly policy?: Partial<ReconcilePolicy>;
  /** Claims of every preset, replayed exactly, instead of each preset's own `demand`. */
  readonly trace?: ClaimTrace;
  /** The presets, at least one. */
  readonly presets: readonly ScenarioPreset[];
}

/** A preset's demand, checked: 168 rates from Monday 00:00, or claim instants in time order. */
export type ResolvedDemand =
  | {
      /** Rates per hour of the week. */
      readonly kind: "rates";
      /** The zone the hours are read in. */
      readonly timezone: string;
      /** 168 claims-per-hour rates, Monday 00:00 first. */
      readonly hourOfWeek: readonly number[];
    }
  | {
      /** A trace. */
      readonly kind: "trace";
      /** The claim instants in epoch milliseconds, ascending. */
      readonly claimsMs: readonly number[];
    };

/** A scenario preset, checked: a preset the in-memory store takes, and its demand. */
export interface ResolvedPreset {
  /** The preset, its defaults filled in. */
  readonly preset: MemoryPreset;
  /** Its claims. */
  readonly demand: ResolvedDemand;
}

/** A scenario with every default filled in and every field checked. */
export interface ResolvedScenario {
  /** When the simulation starts. */
  readonly start: Date;
  /** Simulated time between two cycles. */
  readonly stepSeconds: number;
  /** How long a claim that misses waits. */
  readonly coldBuildSeconds: number;
  /** How long a claim that hits waits. */
  readonly claimSeconds: number;
  /** How builds behave, in seconds; `capacity` `null` is no limit. */
  readonly build: {
    /** Shortest build. */
    readonly minLatencySeconds: number;
    /** Longest build. */
    readonly maxLatencySeconds: number;
    /** Chance that a build fails. */
    readonly failureRate: number;
    /** Builds that run at once, or `null` for no limit. */
    readonly capacity: number | null;
  };
  /** The reconcile policy, as given (checked). */
  readonly policy: Partial<ReconcilePolicy> | undefined;
  /** The presets, in the scenario's order. */
  readonly presets: readonly ResolvedPreset[];
}

/**
 * Thrown when a scenario cannot be simulated; `issues` names every bad field with its path
 * (`presets[0].demand.weekdays`, `trace line 12`).
 *
 * @example
 * try {
 *   await simulate(scenario);
 * } catch (error) {
 *   if (error instanceof ScenarioValidationError) for (const issue of error.issues) console.error(`${issue.path}: ${issue.message}`);
 * }
 */
export class ScenarioValidationError extends Error {
  /** Stable machine-readable code. */
  readonly code = "SCENARIO_INVALID" as const;

  constructor(
    /** Every problem found; never empty. */
    readonly issues: readonly ValidationIssue[],
  ) {
    super(`invalid scenario: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`);
    this.name = "ScenarioValidationError";
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const positive = (number: number) => Number.isFinite(number) && number > 0;

class Checker {
  readonly issues: ValidationIssue[] = [];

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  number(record: Record<string, unknown>, key: string, prefix: string, fallback: number, valid: (value: number) => boolean, rule: string): number {
    const value = record[key] ?? fallback;
    if (typeof value !== "number" || !valid(value)) {
      this.add(`${prefix}${key}`, `expected ${rule}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  rates(value: unknown, length: number, path: string): number[] | null {
    if (!Array.isArray(value) || value.length !== length || !value.every((rate) => typeof rate === "number" && Number.isFinite(rate) && rate >= 0)) {
      this.add(path, `expected ${length} claim rates per hour (numbers ≥ 0)`);
      return null;
    }
    return value as number[];
  }

  instant(value: unknown, path: string): number | null {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
    if (typeof value === "string" && isIsoInstant(value)) return Date.parse(value);
    this.add(path, `${JSON.stringify(value) ?? String(value)} is not an ISO 8601 date-time with an offset`);
    return null;
  }
}

const DEMAND_SHAPE = 'expected an object with "timezone" and "hourOfWeek" or "weekdays"/"weekends", or with "claims"';

function resolveDemand(value: unknown, path: string, startMs: number, checker: Checker): ResolvedDemand | null {
  if (!isRecord(value)) {
    checker.add(path, DEMAND_SHAPE);
    return null;
  }
  if (value["claims"] !== undefined) {
    const claims = value["claims"];
    if (!Array.isArray(claims)) {
      checker.add(`${path}.claims`, "expected an array of claim instants (ISO 8601 date-times with an offset)");
      return null;
    }
    const claimsMs: number[] = [];
    claims.forEach((claim: unknown, index) => {
      const at = checker.instant(claim, `${path}.claims[${index}]`);
      if (at !== null && at < startMs) checker.add(`${path}.claims[${index}]`, `${new Date(at).toISOString()} is before the scenario's start`);
      else if (at !== null) claimsMs.push(at);
    });
    return { kind: "trace", claimsMs: claimsMs.sort((left, right) => left - right) };
  }
  const timezone = value["timezone"] ?? "UTC";
  if (typeof timezone !== "string") {
    checker.add(`${path}.timezone`, "expected an IANA time zone name");
    return null;
  }
  const zoneProblem = timeZoneProblem(timezone);
  if (zoneProblem !== null) {
    checker.add(`${path}.timezone`, zoneProblem);
    return null;
  }
  if (value["hourOfWeek"] !== undefined) {
    const hourOfWeek = checker.rates(value["hourOfWeek"], 168, `${path}.hourOfWeek`);
    return hourOfWeek === null ? null : { kind: "rates", timezone, hourOfWeek };
  }
  const weekdays = checker.rates(value["weekdays"], 24, `${path}.weekdays`);
  const weekends = checker.rates(value["weekends"] ?? new Array<number>(24).fill(0), 24, `${path}.weekends`);
  if (weekdays === null || weekends === null) return null;
  return { kind: "rates", timezone, hourOfWeek: [0, 1, 2, 3, 4, 5, 6].flatMap((day) => (day < 5 ? weekdays : weekends)) };
}

function resolvePresetFields(entry: Record<string, unknown>, path: string, checker: Checker): MemoryPreset | null {
  const { demand: _demand, ...fields } = entry;
  let lastInvalidatedAt = fields["lastInvalidatedAt"];
  if (typeof lastInvalidatedAt === "string") {
    const at = checker.instant(lastInvalidatedAt, `${path}.lastInvalidatedAt`);
    if (at === null) return null;
    lastInvalidatedAt = new Date(at);
  }
  const preset = {
    parameters: {},
    organizationId: "org",
    templateId: "template",
    templateVersionId: "version",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    name: String(fields["id"] ?? path),
    ...fields,
    ...(lastInvalidatedAt === undefined ? {} : { lastInvalidatedAt }),
  } as unknown as MemoryPreset;
  const issues = validatePreset(preset);
  for (const issue of issues) checker.add(`${path}.${issue.path}`, issue.message);
  return issues.length === 0 ? preset : null;
}

function resolveTrace(trace: unknown, presetIds: ReadonlySet<string>, startMs: number, checker: Checker): Map<string, number[]> {
  const byPreset = new Map<string, number[]>();
  if (!Array.isArray(trace)) {
    checker.add("trace", "expected a claim trace (a list of { at, presetId }, as parseClaimTrace gives)");
    return byPreset;
  }
  trace.forEach((claim: unknown, index) => {
    const where = isRecord(claim) && typeof claim["line"] === "number" ? `trace line ${claim["line"]}` : `trace[${index}]`;
    if (!isRecord(claim)) {
      checker.add(where, "expected { at, presetId }");
      return;
    }
    const at = checker.instant(claim["at"], `${where}.at`);
    const presetId = claim["presetId"];
    if (typeof presetId !== "string" || !presetIds.has(presetId)) {
      checker.add(where, `names no preset of the scenario: ${JSON.stringify(presetId) ?? "nothing"}`);
      return;
    }
    if (at === null) return;
    if (at < startMs) {
      checker.add(where, `${new Date(at).toISOString()} is before the scenario's start`);
      return;
    }
    const claims = byPreset.get(presetId);
    if (claims === undefined) byPreset.set(presetId, [at]);
    else claims.push(at);
  });
  for (const claims of byPreset.values()) claims.sort((left, right) => left - right);
  return byPreset;
}

/**
 * Checks a scenario and fills in its defaults, or throws a {@link ScenarioValidationError} naming
 * every bad field. The input may come from JSON (dates as ISO strings) or from code.
 *
 * @example
 * const resolved = resolveScenario(JSON.parse(readFileSync("scenario.json", "utf8")));
 */
export function resolveScenario(input: unknown): ResolvedScenario {
  const checker = new Checker();
  if (!isRecord(input)) throw new ScenarioValidationError([{ path: "scenario", message: "expected a scenario object" }]);
  const startValue = input["start"];
  const startMs = startValue instanceof Date ? startValue.getTime() : typeof startValue === "string" ? Date.parse(startValue) : Number.NaN;
  if (Number.isNaN(startMs)) checker.add("start", "expected an ISO date");
  const build = isRecord(input["build"]) ? input["build"] : {};
  if (input["build"] !== undefined && !isRecord(input["build"])) checker.add("build", "expected an object");
  const minLatencySeconds = checker.number(build, "minLatencySeconds", "build.", 120, positive, "a number of seconds > 0");
  const maxLatencySeconds = checker.number(build, "maxLatencySeconds", "build.", Math.max(300, minLatencySeconds), (number) => positive(number) && number >= minLatencySeconds, "a number of seconds ≥ minLatencySeconds");
  const failureRate = checker.number(build, "failureRate", "build.", 0, (number) => number >= 0 && number <= 1, "a number from 0 to 1");
  const capacity = build["capacity"] ?? null;
  if (capacity !== null && (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity <= 0)) {
    checker.add("build.capacity", `expected a positive whole number or null, got ${JSON.stringify(capacity)}`);
  }
  const stepSeconds = checker.number(input, "stepSeconds", "", 60, positive, "a number of seconds > 0");
  const coldBuildSeconds = checker.number(input, "coldBuildSeconds", "", 300, positive, "a number of seconds > 0");
  const claimSeconds = checker.number(input, "claimSeconds", "", 5, (number) => Number.isFinite(number) && number >= 0, "a number of seconds ≥ 0");
  const policy = input["policy"] as Partial<ReconcilePolicy> | undefined;
  try {
    resolvePolicy(policy);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    for (const issue of error.issues) checker.add(issue.path, issue.message);
  }
  const entries = input["presets"];
  const presets: ResolvedPreset[] = [];
  if (!Array.isArray(entries) || entries.length === 0) checker.add("presets", "expected a non-empty array");
  else {
    const hasTrace = input["trace"] !== undefined;
    const ids = new Set<string>();
    const seen = new Set<string>();
    const resolvedPresets: (MemoryPreset | null)[] = entries.map((entry: unknown, index) => {
      const path = `presets[${index}]`;
      if (!isRecord(entry)) {
        checker.add(path, "expected a preset object");
        return null;
      }
      const id = entry["id"];
      if (typeof id === "string" && seen.has(id)) {
        checker.add(`${path}.id`, `duplicate preset id ${JSON.stringify(id)}`);
        return null;
      }
      if (typeof id === "string") seen.add(id);
      const preset = resolvePresetFields(entry, path, checker);
      if (preset !== null) ids.add(preset.id);
      if (hasTrace && entry["demand"] !== undefined) checker.add(`${path}.demand`, "the scenario has a trace, which gives every preset's claims: leave demand out");
      return preset;
    });
    const traced = hasTrace ? resolveTrace(input["trace"], ids, startMs, checker) : null;
    entries.forEach((entry: unknown, index) => {
      const preset = resolvedPresets[index];
      if (preset === null || preset === undefined || !isRecord(entry)) return;
      const demand = traced !== null ? ({ kind: "trace", claimsMs: traced.get(preset.id) ?? [] } as const) : resolveDemand(entry["demand"], `presets[${index}].demand`, startMs, checker);
      if (demand !== null) presets.push({ preset, demand });
    });
  }
  if (checker.issues.length > 0) throw new ScenarioValidationError(checker.issues);
  return {
    start: new Date(startMs),
    stepSeconds,
    coldBuildSeconds,
    claimSeconds,
    build: { minLatencySeconds, maxLatencySeconds, failureRate, capacity: capacity as number | null },
    policy,
    presets,
  };
}
