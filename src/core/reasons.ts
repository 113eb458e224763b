/** The one-sentence reasons of actions and blocks (SPEC §5): the numbers that led to each decision. */

import { isoOf } from "./instant.js";
import type { Evaluation } from "./state.js";
import { describeInstant } from "./timezone.js";
import type { PresetSnapshot } from "./types/index.js";

/** "2 prebuilds", "1 prebuild". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** "desired 3 (schedule `* 8-18 * * 1-5` in Europe/Berlin)", "desired 7 (expression `…`)". */
export function desiredPhrase(snapshot: PresetSnapshot, evaluation: Evaluation): string {
  const { state, scheduled } = evaluation;
  const timezone = snapshot.preset.scheduling?.timezone;
  const schedule = scheduled?.schedule ?? null;
  let source = schedule === null || timezone === undefined ? "base count" : `schedule \`${schedule.cron}\` in ${timezone}`;
  if (scheduled?.aheadFor != null && timezone !== undefined) source += `, warming up for ${describeInstant(new Date(scheduled.aheadFor), timezone)}`;
  if (state.targetSource === "expression") return `desired ${state.desired} (expression \`${clip(snapshot.preset.desiredInstancesExpression ?? "")}\`)`;
  if (state.targetSource === "expressionFallback") return `desired ${state.desired} (${source}, because the expression failed: ${state.expressionError ?? "unknown error"})`;
  return `desired ${state.desired} (${source})`;
}

/** "1 running, 2 starting", with the creates asked for but not visible yet when there are any. */
export function poolPhrase(evaluation: Evaluation): string {
  const pending = evaluation.settled.pendingCreates;
  const starting = pending === 0 ? `${evaluation.state.starting} starting` : `${evaluation.state.starting} starting (${pending} asked for, not visible yet)`;
  return `${evaluation.split.unexpired.length} running, ${starting}`;
}

/** A cut applied to a create by `planCycle`. */
export interface CreateCut {
  /** What the preset needed. */
  readonly requested: number;
  /** Which limit cut it, in words: "the cycle budget of 6 creates". */
  readonly limit: string;
}

/** The reason of a create of `count`, optionally cut down from what was needed. */
export function createReason(snapshot: PresetSnapshot, evaluation: Evaluation, count: number, cut: CreateCut | null): string {
  const head = `${desiredPhrase(snapshot, evaluation)}, ${poolPhrase(evaluation)}`;
  if (cut === null) return `${head}: create ${count}`;
  return `${head}: create ${count} of the ${cut.requested} needed, cut by ${cut.limit}`;
}

/** The reason of the expired prebuilds' delete. */
export function expiredReason(snapshot: PresetSnapshot, evaluation: Evaluation): string {
  const { expired, invalidated } = evaluation.split;
  const causes: string[] = [];
  const byAge = expired.length - invalidated;
  if (byAge > 0) causes.push(`${byAge} older than the TTL of ${snapshot.preset.ttlSeconds ?? 0} s`);
  const invalidatedAt = snapshot.preset.lastInvalidatedAt;
  if (invalidated > 0 && invalidatedAt) causes.push(`${invalidated} created before the invalidation at ${isoOf(invalidatedAt.getTime())}`);
  return `${plural(expired.length, "prebuild")} expired (${causes.join(", ")}): delete ${expired.length}, oldest first`;
}

/** The reason of the surplus delete. */
export function surplusReason(snapshot: PresetSnapshot, evaluation: Evaluation): string {
  const { state, keepAtLeast } = evaluation;
  const stabilized = keepAtLeast > state.desired ? `, ${keepAtLeast} within the scale-down stabilization window` : "";
  return `${desiredPhrase(snapshot, evaluation)}${stabilized}, ${evaluation.split.unexpired.length} unexpired running: delete ${state.extraneous} surplus, not-ready first, then oldest`;
}

/** An instant in UTC, and on the preset's wall clock when it has a zone. */
export function describeUntil(snapshot: PresetSnapshot, untilMs: number): string {
  const timezone = snapshot.preset.scheduling?.timezone;
  const iso = isoOf(untilMs);
  return timezone === undefined ? iso : `${iso} (${describeInstant(new Date(iso), timezone)} in ${timezone})`;
}

/** The reason of a backoff. */
export function backoffReason(snapshot: PresetSnapshot, evaluation: Evaluation, untilMs: number, wanted: number): string {
  const failed = snapshot.backoff?.failedBuilds ?? 0;
  return `${desiredPhrase(snapshot, evaluation)}, ${poolPhrase(evaluation)}, but ${plural(failed, "recent create")} failed: back off until ${describeUntil(snapshot, untilMs)} instead of creating ${wanted}`;
}

/** The reason of a hard-limited preset's probe. */
export function probeReason(snapshot: PresetSnapshot, evaluation: Evaluation, retryMs: number): string {
  return `${desiredPhrase(snapshot, evaluation)}, ${poolPhrase(evaluation)}; hard-limited, and no create has been tried for ${Math.round(retryMs / 1000)} s: probe with 1 create (a success lifts the limit)`;
}

/** Where a hard-limited preset stands with its probes. */
export type ProbeState = "off" | "inactive" | "noLastFailure" | "inFlight" | "probing" | "notNeeded" | { readonly dueAtMs: number };

/** Why a hard-limited preset gets no creates (but a probe), and what lifts the block. */
export function hardLimitedReason(probe: ProbeState, snapshot: PresetSnapshot): string {
  const base = "the last creates all failed (hard limit)";
  if (probe === "off") return `${base}: no creates until a person fixes the template or the preset, or a create succeeds`;
  if (probe === "inactive") return `${base}; the preset is inactive, so it creates nothing anyway`;
  if (probe === "noLastFailure") return `${base}: no probe, because the snapshot does not say when the last create failed (no backoff row)`;
  if (probe === "inFlight") return `${base}: waiting for the create in flight`;
  if (probe === "probing") return `${base}: probing with 1 create`;
  if (probe === "notNeeded") return `${base}: a probe is due, but no create is needed now`;
  return `${base}: the next probe create is due at ${describeUntil(snapshot, probe.dueAtMs)}`;
}

/** Why a preset whose configuration failed validation gets no creates. */
export const VALIDATION_FAILED_REASON =
  "a create failed permanently (the provisioner said this configuration cannot build): no creates until the preset's template version or configuration changes";

/** The reasons of an inactive preset's actions. */
export function inactiveCancelReason(count: number, because: string): string {
  return count === 1
    ? `preset is inactive (${because}): cancel its 1 queued create job and delete its workspace`
    : `preset is inactive (${because}): cancel its ${count} queued create jobs and delete their workspaces`;
}

/** The reason of an inactive preset's delete of everything. */
export function inactiveDeleteReason(count: number, because: string): string {
  return count === 1
    ? `preset is inactive (${because}): delete its 1 running prebuild`
    : `preset is inactive (${because}): delete all ${count} running prebuilds, oldest first`;
}
