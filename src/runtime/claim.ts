/** Claims (SPEC §7, §11): the best-fitting preset's pool, an atomic store claim, a recorded event. */

import { findMatchingPreset, parametersRule } from "../core/claim.js";
import { ArgumentValidationError } from "../core/errors.js";
import { claimedLifecycle, type TemplateLifecycleDefaults } from "../core/lifecycle.js";
import { describeValue, isRecord, IssueList } from "../core/validate/rules.js";
import { labelsOfClaim } from "../internal/labels.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Metrics, PresetLabels } from "../ports/metrics.js";
import type { Claimant, ClaimedWorkspace, Store } from "../ports/store.js";
import type { Tracer } from "../ports/tracer.js";
import { callPort, safely, startSpanSafely } from "./port-call.js";

/** A claim: from a given preset, or from the preset of a template version that fits the parameters. */
export type ClaimRequest = {
  /** Who takes the workspace. */
  readonly claimant: Claimant;
  /** The template's lifecycle defaults, applied to the claimed workspace. Default: none, users may choose. */
  readonly templateDefaults?: TemplateLifecycleDefaults;
} & (
  | {
      /** The preset whose pool to take from. */
      readonly presetId: string;
    }
  | {
      /** The template version the workspace is for. */
      readonly templateVersionId: string;
      /** The parameters the user chose; the best-fitting preset's pool is used. */
      readonly parameters: Readonly<Record<string, string>>;
    }
);

/** What the host needs to hand the agent of a claimed workspace to its new owner. */
export interface AgentReinitialization {
  /** The workspace whose agents must re-initialise. */
  readonly workspaceId: string;
  /** The new owner. */
  readonly ownerId: string;
  /** Why: the workspace was claimed. */
  readonly reason: "claimed";
}

/** The outcome of {@link Reconciler.claim}. */
export type ClaimResult =
  | {
      /** A prebuild was handed over. */
      readonly status: "claimed";
      /** The workspace, now the claimant's. */
      readonly workspace: ClaimedWorkspace;
      /** What to tell the workspace's agents. */
      readonly agentReinitialization: AgentReinitialization;
    }
  | {
      /** No prebuild was available: build the workspace cold. */
      readonly status: "unavailable";
      /** The preset looked at, or `null` when no preset fits the parameters. */
      readonly presetId: string | null;
      /** Why, in one sentence. */
      readonly reason: string;
    };

const OPEN_TEMPLATE_DEFAULTS: TemplateLifecycleDefaults = {
  autostartSchedule: null,
  allowUserAutostart: true,
  defaultTtlMs: null,
  allowUserTtl: true,
  dormancyThresholdMs: null,
  dormancyAutoDeleteMs: null,
};

/** A usable id: a non-empty string a database can store (no NUL character). */
function isStorableId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && !value.includes("\u0000");
}

function checkId(value: unknown, path: string[], issues: IssueList): void {
  if (!isStorableId(value)) issues.add(path, typeof value === "string" && value.includes("\u0000") ? "must not contain a NUL character" : `must be a non-empty string, got ${describeValue(value)}`);
}

/** Throws {@link ArgumentValidationError} naming every unusable field of a claim request. */
export function checkClaimRequest(request: ClaimRequest): void {
  const issues = new IssueList("request");
  if (!isRecord(request)) throw new ArgumentValidationError("claim request", [{ path: "request", message: `must be an object, got ${describeValue(request)}` }]);
  const value = request as unknown as Record<string, unknown>;
  if ("presetId" in value) checkId(value["presetId"], ["presetId"], issues);
  else {
    checkId(value["templateVersionId"], ["templateVersionId"], issues);
    parametersRule.explain(value["parameters"], ["parameters"], issues);
  }
  const claimant = value["claimant"];
  if (!isRecord(claimant)) issues.add(["claimant"], `must be an object with userId and workspaceName, got ${describeValue(claimant)}`);
  else {
    checkId(claimant["userId"], ["claimant", "userId"], issues);
    checkId(claimant["workspaceName"], ["claimant", "workspaceName"], issues);
  }
  if (!issues.empty) throw new ArgumentValidationError("claim request", issues.issues);
}

/** What a claim runs against. */
export interface ClaimDependencies {
  readonly store: Store;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly clock: Clock;
  readonly storeMs: number;
  /** Aborted when the reconciler stops. */
  readonly signal: AbortSignal;
  /** Tops the pool up: the loop runs its next cycle as soon as it may. */
  readonly wake: () => void;
  /** The labels of a preset the last cycle planned (for the miss counter), or `null`. */
  readonly labelsOf: (presetId: string) => PresetLabels | null;
}

/** Claims a prebuild; see {@link Reconciler.claim}. */
export async function claimPrebuild(request: ClaimRequest, dependencies: ClaimDependencies): Promise<ClaimResult> {
  checkClaimRequest(request);
  const { store, metrics, logger, tracer, clock, storeMs } = dependencies;
  const startedMs = clock.now().getTime();
  const span = startSpanSafely(tracer, "prebuilds.claim", "presetId" in request ? { presetId: request.presetId } : { templateVersionId: request.templateVersionId }, null);
  const scope = { signal: dependencies.signal, tracer, span, logger };
  try {
    let presetId: string;
    if ("presetId" in request) presetId = request.presetId;
    else {
      const { templateVersionId, parameters } = request;
      const presets = await callPort("store.presetsOfTemplateVersion", storeMs, scope, (signal) => store.presetsOfTemplateVersion(templateVersionId, { signal }));
      const match = findMatchingPreset(presets, parameters);
      if (match === null) {
        safely(() => span.setAttributes({ outcome: "noPreset" }));
        return { status: "unavailable", presetId: null, reason: `no preset of template version ${templateVersionId} fits the parameters` };
      }
      presetId = match.id;
    }
    const lifecycle = claimedLifecycle(request.templateDefaults ?? OPEN_TEMPLATE_DEFAULTS, request.claimant);
    const chosen = presetId;
    const workspace = await callPort("store.claim", storeMs, scope, (signal) => store.claim({ presetId: chosen, claimant: request.claimant, lifecycle, now: clock.now() }, { signal }));
    // A miss is demand too: an expression that reads misses may want a larger pool now.
    dependencies.wake();
    if (workspace === null) {
      safely(() => span.setAttributes({ outcome: "missed", presetId }));
      metrics.incrementCounter("missed", dependencies.labelsOf(presetId) ?? { organizationId: "", templateId: "", presetId, presetName: presetId }, 1);
      logger.info({ presetId }, "no prebuild to claim: the workspace is built cold");
      return { status: "unavailable", presetId, reason: `no ready, unexpired prebuild of preset ${presetId} is available` };
    }
    const labels = labelsOfClaim(workspace);
    const seconds = (clock.now().getTime() - startedMs) / 1000;
    metrics.incrementCounter("claimed", labels, 1);
    metrics.observeHistogram("claimDuration", labels, seconds);
    safely(() => span.setAttributes({ outcome: "claimed", presetId, workspaceId: workspace.workspaceId }));
    logger.info({ presetId, workspaceId: workspace.workspaceId, ownerId: workspace.ownerId }, "prebuild claimed");
    return { status: "claimed", workspace, agentReinitialization: { workspaceId: workspace.workspaceId, ownerId: workspace.ownerId, reason: "claimed" } };
  } catch (error) {
    safely(() => span.recordFailure(error instanceof Error ? error.message : String(error)));
    throw error;
  } finally {
    safely(() => span.end());
  }
}
