/**
 * Liveness and readiness for an orchestrator, over `node:http`: `/healthz` answers whether the
 * replica is stalled (restart it), `/readyz` whether its cycles are still ending on time.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { ArgumentValidationError, type ValidationIssue } from "../../core/errors.js";
import { describeValue } from "../../core/validate/rules.js";
import { messageOf } from "../../internal/messages.js";
import { systemClock, type Clock } from "../../ports/clock.js";
import type { ReconcilerHealth } from "../../runtime/health.js";

/** What the handler needs of a Reconciler. */
export interface HealthSource {
  /** The Reconciler's health, see `Reconciler.health`. */
  health(options?: { readonly stalledAfterMs?: number }): ReconcilerHealth;
}

/** How the health endpoints judge and where they answer. */
export interface HealthHandlerOptions {
  /** The loop's `intervalMs` (the longest wait between cycles), in ms. */
  readonly intervalMs: number;
  /** Ready while the last cycle ended within this many intervals. Default 3. */
  readonly intervals?: number;
  /** Passed to `health()`: stalled past this, in ms. Default: the Reconciler's (cycle deadline plus store deadline). */
  readonly stalledAfterMs?: number;
  /** The clock the Reconciler runs on (the same one, or readiness is judged on the wrong time). Default: the system clock. */
  readonly clock?: Clock;
  /** The liveness path. Default `/healthz`. */
  readonly livenessPath?: string;
  /** The readiness path. Default `/readyz`. */
  readonly readinessPath?: string;
}

/** The JSON body of `/healthz` and `/readyz`: the verdict, why, and the health it was judged on. */
export interface HealthBody {
  /** `"ok"` (200) or the failed check (503): `"stalled"` for liveness, `"notReady"` for readiness. */
  readonly status: "ok" | "stalled" | "notReady";
  /** One sentence on the verdict. */
  readonly reason: string;
  /** When the verdict was made, by the handler's clock. */
  readonly checkedAt: string;
  /** For `/readyz`: how long after the last cycle's end the replica counts as ready, in ms. */
  readonly readyWithinMs?: number;
  /** The health the verdict was made on (dates as ISO strings). */
  readonly health: Readonly<Record<keyof ReconcilerHealth, string | number | boolean | null>>;
}

/**
 * Answers a request when it is for one of the health paths and returns `true`; returns `false`
 * (and leaves the response alone) otherwise, so that it sits in front of the host's own routes.
 */
export type HealthHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

function checkOptions(options: HealthHandlerOptions): Required<Omit<HealthHandlerOptions, "stalledAfterMs">> & { readonly stalledAfterMs: number | undefined } {
  const issues: ValidationIssue[] = [];
  const positive = (value: unknown, path: string, integer: boolean) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      issues.push({ path, message: `must be a positive ${integer ? "whole number" : "number of milliseconds"}, got ${describeValue(value)}` });
    }
  };
  if (typeof options !== "object" || options === null) throw new ArgumentValidationError("health handler options", [{ path: "options", message: `must be an object with intervalMs, got ${describeValue(options)}` }]);
  positive(options.intervalMs, "intervalMs", false);
  if (options.intervals !== undefined) positive(options.intervals, "intervals", true);
  if (options.stalledAfterMs !== undefined) positive(options.stalledAfterMs, "stalledAfterMs", false);
  for (const key of ["livenessPath", "readinessPath"] as const) {
    const path = options[key];
    if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) issues.push({ path: key, message: `must be a path starting with "/", got ${describeValue(path)}` });
  }
  if (options.clock !== undefined && typeof options.clock?.now !== "function") issues.push({ path: "clock", message: "must have a now() method" });
  if (issues.length > 0) throw new ArgumentValidationError("health handler options", issues);
  return {
    intervalMs: options.intervalMs,
    intervals: options.intervals ?? 3,
    stalledAfterMs: options.stalledAfterMs,
    clock: options.clock ?? systemClock,
    livenessPath: options.livenessPath ?? "/healthz",
    readinessPath: options.readinessPath ?? "/readyz",
  };
}

function serialized(health: ReconcilerHealth): HealthBody["health"] {
  const body: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(health)) body[key] = value instanceof Date ? value.toISOString() : (value as string | number | boolean | null);
  return body as HealthBody["health"];
}

function send(request: IncomingMessage, response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": String(Buffer.byteLength(text)), ...headers });
  response.end(request.method === "HEAD" ? undefined : text);
}

/** The liveness verdict: alive unless a cycle has been running for longer than the bound. */
function liveness(health: ReconcilerHealth): Pick<HealthBody, "status" | "reason"> {
  if (!health.stalled) return { status: "ok", reason: health.cycleRunningSince === null ? "no cycle is running" : "the running cycle is within its bound" };
  return { status: "stalled", reason: `a cycle has been running since ${health.cycleRunningSince?.toISOString() ?? "?"}, longer than ${health.stalledAfterMs} ms: restart this replica` };
}

/** The readiness verdict: ready while the last cycle ended within the allowed time. */
function readiness(health: ReconcilerHealth, nowMs: number, withinMs: number): Pick<HealthBody, "status" | "reason"> {
  const ended = health.lastCycleEndedAt;
  if (ended === null) return { status: "notReady", reason: "no cycle has ended yet" };
  const agoMs = nowMs - ended.getTime();
  if (agoMs > withinMs) return { status: "notReady", reason: `the last cycle ended ${agoMs} ms ago, more than ${withinMs} ms` };
  return { status: "ok", reason: `the last cycle ended ${agoMs} ms ago` };
}

/**
 * A handler for `node:http` that answers `GET`/`HEAD` on `/healthz` (liveness: 200 unless a cycle
 * is stalled, then 503, so that the orchestrator restarts the replica) and `/readyz` (readiness:
 * 200 while the last cycle ended within `intervals × intervalMs`, 503 before the first cycle ends
 * and when cycles stop ending), each with a JSON {@link HealthBody}. Other methods on those paths
 * get 405. The verdicts ignore whether cycles succeeded or held the lock: a replica whose port
 * fails is alive and still reconciling; the body says how the last cycle went.
 *
 * @throws {ArgumentValidationError} naming every unusable option.
 * @example
 * const health = healthHandler(reconciler, { intervalMs: 15_000 });
 * createServer((request, response) => {
 *   if (health(request, response)) return;
 *   // … /metrics and the host's own routes
 * }).listen(9464);
 */
export function healthHandler(reconciler: HealthSource, options: HealthHandlerOptions): HealthHandler {
  const settings = checkOptions(options);
  const withinMs = settings.intervals * settings.intervalMs;
  return (request, response) => {
    const path = new URL(request.url ?? "/", "http://health.invalid").pathname;
    const isLiveness = path === settings.livenessPath;
    if (!isLiveness && path !== settings.readinessPath) return false;
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(request, response, 405, { status: "error", reason: `${request.method ?? "?"} is not allowed: use GET or HEAD` }, { allow: "GET, HEAD" });
      return true;
    }
    try {
      const health = reconciler.health(settings.stalledAfterMs === undefined ? {} : { stalledAfterMs: settings.stalledAfterMs });
      const now = settings.clock.now();
      const verdict = isLiveness ? liveness(health) : readiness(health, now.getTime(), withinMs);
      const body: HealthBody = { ...verdict, checkedAt: now.toISOString(), ...(isLiveness ? {} : { readyWithinMs: withinMs }), health: serialized(health) };
      send(request, response, verdict.status === "ok" ? 200 : 503, body);
    } catch (error) {
      send(request, response, 500, { status: "error", reason: `the health check failed: ${messageOf(error)}` });
    }
    return true;
  };
}
