/**
 * Carries out one preset's plan. Decides nothing: the core already has. Every side effect is
 * fenced (the lock is proven held just before it) and bounded by its deadline.
 */

import { presetConfigurationKey } from "../core/configuration.js";
import type { ExecutionOutcome } from "../core/memory.js";
import type { PresetPlan, ReconciliationActionType } from "../core/types/index.js";
import { labelsOf, presetFields } from "../internal/labels.js";
import { messageOf } from "../internal/messages.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import { isPermanentBuildError, type Provisioner } from "../ports/provisioner.js";
import type { Store } from "../ports/store.js";
import { CycleInterruptedError, PortTimeoutError } from "./errors.js";
import type { Outbox } from "./outbox.js";
import { callPort, type CallScope } from "./port-call.js";
import type { ResolvedTimeouts } from "./options.js";

/** What executing one preset's plan needs. */
export interface ExecutionContext {
  readonly store: Store;
  readonly provisioner: Provisioner;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly outbox: Outbox;
  readonly scope: CallScope;
  readonly timeouts: ResolvedTimeouts;
  /** Counts actions carried out, by type. */
  readonly counts: Record<ReconciliationActionType, number>;
  /** The lease's fencing token, passed to every fenced call. */
  readonly fencingToken: string | null;
  /** Proves the lock is still held just before a side effect; false (and the cycle ends) when it cannot. */
  readonly fence: () => Promise<boolean>;
  /** Presets recorded as validationFailed in this cycle: the plan's status changes, made before, must not undo it. */
  readonly failedValidation: Set<string>;
  /** An abandoned call rejected later: what it asked for is not to be expected any more. */
  readonly retract: (presetId: string, outcome: ExecutionOutcome) => void;
}

/** Whether a failed call may still have happened: it was abandoned, not refused. */
function outcomeUnknown(error: unknown): boolean {
  return error instanceof PortTimeoutError || error instanceof CycleInterruptedError;
}

/**
 * Runs a preset's actions in their order and says which creates and deletes were not made. A
 * failing call is recorded and the next action still runs: a failed cancellation must not keep
 * expired prebuilds alive, nor a failed delete a create. Once the cycle is interrupted, nothing
 * more is attempted.
 */
export async function executePresetPlan(plan: PresetPlan, context: ExecutionContext): Promise<ExecutionOutcome> {
  const { provisioner, clock, logger, outbox, counts, scope, timeouts, fence, fencingToken } = context;
  const preset = plan.preset;
  const fields = presetFields(preset);
  const labels = labelsOf(preset);
  let createsNotMade = 0;
  const deletesNotMade: string[] = [];
  for (const action of plan.actions) {
    switch (action.type) {
      case "cancelPending": {
        if (!(await fence())) break;
        try {
          const cancelled = await callPort("provisioner.cancelPendingAndOrphanDelete", timeouts.provisionerMs, scope, (signal) =>
            provisioner.cancelPendingAndOrphanDelete(preset.id, { signal, fencingToken }),
          );
          counts.cancelPending += 1;
          logger.info({ ...fields, action: action.type, cancelled: typeof cancelled === "number" ? cancelled : 0 }, action.reason);
        } catch (error) {
          outbox.fail(preset.id, "provisioner.cancelPendingAndOrphanDelete", error, fields);
        }
        break;
      }
      case "delete": {
        let deleted = 0;
        for (const workspaceId of action.workspaceIds) {
          if (!(await fence())) {
            deletesNotMade.push(workspaceId);
            continue;
          }
          try {
            await callPort(
              "provisioner.deletePrebuild",
              timeouts.provisionerMs,
              scope,
              (signal) => provisioner.deletePrebuild(workspaceId, { signal, fencingToken }),
              { workspaceId },
              () => context.retract(preset.id, { createsNotMade: 0, deletesNotMade: [workspaceId] }),
            );
            deleted += 1;
          } catch (error) {
            if (!outcomeUnknown(error)) deletesNotMade.push(workspaceId);
            outbox.fail(preset.id, "provisioner.deletePrebuild", error, { ...fields, workspaceId });
          }
        }
        if (deleted > 0) counts.delete += 1;
        logger.info({ ...fields, action: action.type, deleted, requested: action.workspaceIds.length }, action.reason);
        break;
      }
      case "create": {
        if (!(await fence())) {
          createsNotMade += action.count;
          break;
        }
        const startedMs = clock.now().getTime();
        try {
          await callPort(
            "provisioner.createPrebuilds",
            timeouts.provisionerMs,
            scope,
            (signal) => provisioner.createPrebuilds(preset, action.count, { signal, fencingToken }),
            { count: action.count },
            () => context.retract(preset.id, { createsNotMade: action.count, deletesNotMade: [] }),
          );
        } catch (error) {
          if (!outcomeUnknown(error)) createsNotMade += action.count;
          outbox.metric((metrics) => metrics.incrementCounter("failed", labels, action.count));
          outbox.fail(preset.id, "provisioner.createPrebuilds", error, fields);
          if (isPermanentBuildError(error)) await recordValidationFailure(plan, error, context);
          break;
        }
        counts.create += 1;
        const seconds = (clock.now().getTime() - startedMs) / 1000;
        outbox.metric((metrics) => {
          metrics.incrementCounter("created", labels, action.count);
          metrics.observeHistogram("creationDuration", labels, seconds);
        });
        logger.info({ ...fields, action: action.type, count: action.count, probe: action.probe === true }, action.reason);
        break;
      }
      case "backoff": {
        counts.backoff += 1;
        logger.info({ ...fields, action: action.type, until: action.until.toISOString() }, action.reason);
        break;
      }
      default: {
        const unknown: never = action;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }
  return { createsNotMade, deletesNotMade };
}

/** The provisioner said the preset's configuration cannot build: record it (fenced) and tell the admins once. */
async function recordValidationFailure(plan: PresetPlan, error: unknown, context: ExecutionContext): Promise<void> {
  const { preset } = plan;
  const message = messageOf(error);
  if (!(await context.fence())) return;
  try {
    await callPort("store.setPresetStatus", context.timeouts.storeMs, context.scope, (signal) =>
      context.store.setPresetStatus(
        { presetId: preset.id, status: "validationFailed", configurationKey: presetConfigurationKey(preset) },
        { signal, fencingToken: context.fencingToken },
      ),
    );
  } catch (statusError) {
    context.outbox.fail(preset.id, "store.setPresetStatus", statusError, presetFields(preset));
    return;
  }
  context.failedValidation.add(preset.id);
  context.logger.warn({ ...presetFields(preset), error: message }, "preset's configuration cannot build: no creates until it changes");
  context.outbox.notify(preset.id, "notifier.validationFailed", (notifier) => notifier.validationFailed?.(preset, message) ?? Promise.resolve());
}
