import type { Clock } from "../core/types/index.js";

export type { Clock } from "../core/types/index.js";

/**
 * The real clock, for production hosts. Tests and simulations pass their own {@link Clock}.
 *
 * @example
 * const reconciler = new Reconciler({ store, provisioner, clock: systemClock, systemUserId });
 */
export const systemClock: Clock = { now: () => new Date() };
