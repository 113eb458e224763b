/** Step 3 of a cycle: the system user's memberships, one read for all organizations, fenced writes. */

import { membershipActions } from "../core/membership.js";
import type { Logger } from "../ports/logger.js";
import type { Store } from "../ports/store.js";
import type { Outbox } from "./outbox.js";
import { callPort, type CallScope } from "./port-call.js";

const OPERATIONS = {
  member: "store.addSystemUserToOrganization",
  group: "store.createPrebuildsGroup",
  groupMember: "store.addSystemUserToPrebuildsGroup",
} as const;

/** Adds what is missing; each organization's steps stop at its first failure, for the next cycle to retry. */
export async function reconcileMemberships(
  store: Store,
  fenced: { readonly fence: () => Promise<boolean>; readonly fencingToken: string | null },
  storeMs: number,
  scope: CallScope,
  outbox: Outbox,
  logger: Logger,
): Promise<void> {
  let rows;
  try {
    rows = await callPort("store.organizationsWithPrebuildStatus", storeMs, scope, (signal) => store.organizationsWithPrebuildStatus({ signal }));
  } catch (error) {
    outbox.fail(null, "store.organizationsWithPrebuildStatus", error);
    return;
  }
  const failedOrganizations = new Set<string>();
  for (const { organizationId, step } of membershipActions(rows)) {
    if (failedOrganizations.has(organizationId)) continue;
    if (!(await fenced.fence())) return;
    const operation = OPERATIONS[step];
    try {
      const context = { fencingToken: fenced.fencingToken };
      await callPort(operation, storeMs, scope, (signal) => {
        if (step === "member") return store.addSystemUserToOrganization(organizationId, { ...context, signal });
        if (step === "group") return store.createPrebuildsGroup(organizationId, { ...context, signal });
        return store.addSystemUserToPrebuildsGroup(organizationId, { ...context, signal });
      });
      logger.info({ organizationId, step }, "prebuilds membership added");
    } catch (error) {
      failedOrganizations.add(organizationId);
      outbox.fail(null, operation, error, { organizationId });
    }
  }
}
