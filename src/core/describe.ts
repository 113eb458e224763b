/** Short, stable one-line summaries of actions, for tables and logs (the reason says why). */

import type { ReconciliationAction } from "./types/index.js";

/**
 * A one-line summary of what an action does: `create 2`, `create 1 (probe)`, `delete ws-1, ws-2`,
 * `backoff until 2025-06-02T10:01:00.000Z`, `cancelPending 3`.
 *
 * @example
 * for (const action of plan.actions) console.log(`${describeAction(action)}: ${action.reason}`);
 */
export function describeAction(action: ReconciliationAction): string {
  switch (action.type) {
    case "create":
      return action.probe === true ? `create ${action.count} (probe)` : `create ${action.count}`;
    case "delete":
      return `delete ${action.workspaceIds.join(", ")}`;
    case "backoff":
      return `backoff until ${action.until.toISOString()}`;
    case "cancelPending":
      return `cancelPending ${action.count}`;
    default: {
      const unknown: never = action;
      throw new TypeError(`unknown action ${JSON.stringify(unknown)}`);
    }
  }
}
