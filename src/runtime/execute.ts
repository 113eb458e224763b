/** Carries out one preset's plan through the Provisioner. Decides nothing: the core already has. */

import type { PresetPlan, PresetSnapshot, ReconciliationActionType } from "../core/types.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { Provisioner } from "../ports/provisioner.js";
import { _labelsOf, _presetFields, type Outbox } from "./outbox.js";

/** What executing one preset's plan needs. */
export interface ExecutionContext {
  readonly provisioner: Provisioner;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly outbox: Outbox;
  /** Counts actions carried out, by type. */
  readonly counts: Record<ReconciliationActionType, number>;
}

/**
 * Runs a preset's actions in their order. A failing call is recorded and the next action still
 * runs: a failed cancellation must not keep expired prebuilds alive, nor a failed delete a create.
 */
export async function _executePresetPlan(plan: PresetPlan, snapshot: PresetSnapshot, context: ExecutionContext): Promise<void> {
  const { provisioner, clock, logger, outbox, counts } = context;
  const preset = snapshot.preset;
  const fields = _presetFields(preset);
  const labels = _labelsOf(preset);
  for (const action of plan.actions) {
    switch (action.type) {
      case "cancelPending": {
        let cancelled: number;
        try {
          cancelled = await provisioner.cancelPendingAndOrphanDelete(preset.id);
        } catch (error) {
          outbox.fail(preset.id, "provisioner.cancelPendingAndOrphanDelete", error, fields);
          break;
        }
        counts.cancelPending += 1;
        logger.info(action.reason, { ...fields, action: action.type, cancelled });
        break;
      }
      case "delete": {
        let deleted = 0;
        for (const workspaceId of action.workspaceIds) {
          try {
            await provisioner.deletePrebuild(workspaceId);
            deleted += 1;
          } catch (error) {
            outbox.fail(preset.id, "provisioner.deletePrebuild", error, { ...fields, workspaceId });
          }
        }
        if (deleted > 0) counts.delete += 1;
        logger.info(action.reason, { ...fields, action: action.type, deleted, requested: action.workspaceIds.length });
        break;
      }
      case "create": {
        const startedMs = clock.now().getTime();
        try {
          await provisioner.createPrebuilds(preset, action.count);
        } catch (error) {
          outbox.metric((metrics) => metrics.incrementCounter("failed", labels, action.count));
          outbox.fail(preset.id, "provisioner.createPrebuilds", error, fields);
          break;
        }
        counts.create += 1;
        const seconds = (clock.now().getTime() - startedMs) / 1000;
        outbox.metric((metrics) => {
          metrics.incrementCounter("created", labels, action.count);
          metrics.observeHistogram("creationDuration", labels, seconds);
        });
        logger.info(action.reason, { ...fields, action: action.type, count: action.count });
        break;
      }
      case "backoff": {
        counts.backoff += 1;
        logger.info(action.reason, { ...fields, action: action.type, until: action.until.toISOString() });
        break;
      }
      default: {
        const unknown: never = action;
        throw new Error(`unknown action ${JSON.stringify(unknown)}`);
      }
    }
  }
}
