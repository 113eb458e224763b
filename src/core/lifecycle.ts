/**
 * Lifecycle settings around a claim. An unclaimed prebuild belongs to the reconciler alone, so it
 * carries no autostart, TTL, dormancy or deletion schedule; a claimed workspace gets them from the
 * template's defaults and the request, and from then on the host's lifecycle executor manages it.
 */

/** The template's lifecycle defaults and what it lets users override. */
export interface TemplateLifecycleDefaults {
  /** Default autostart cron, or `null` for none. */
  readonly autostartSchedule: string | null;
  /** Whether a user may choose their own autostart schedule. */
  readonly allowUserAutostart: boolean;
  /** Default time-to-live in ms, or `null` for none. */
  readonly defaultTtlMs: number | null;
  /** Whether a user may choose their own time-to-live. */
  readonly allowUserTtl: boolean;
  /** After how long unused a workspace turns dormant, in ms, or `null` for never. */
  readonly dormancyThresholdMs: number | null;
  /** After how long dormant a workspace is deleted, in ms, or `null` for never. */
  readonly dormancyAutoDeleteMs: number | null;
}

/** What a claim asks for. */
export interface LifecycleRequest {
  /** The autostart cron the user asked for, if any. */
  readonly autostartSchedule?: string | null;
  /** The time-to-live the user asked for, in ms, if any. */
  readonly ttlMs?: number | null;
}

/** The lifecycle fields of a workspace. */
export interface LifecycleSettings {
  /** Cron of automatic starts, or `null`. */
  readonly autostartSchedule: string | null;
  /** How long the workspace runs before it stops, in ms, or `null`. */
  readonly ttlMs: number | null;
  /** When the workspace became dormant, or `null`. */
  readonly dormantAt: Date | null;
  /** When the workspace will be deleted automatically, or `null`. */
  readonly deletingAt: Date | null;
}

/**
 * The fields a prebuild must have cleared while it waits in the pool: all of them.
 *
 * @example
 * await db.workspaces.update(prebuildId, UNCLAIMED_LIFECYCLE); // when its build completes
 */
export const UNCLAIMED_LIFECYCLE: LifecycleSettings = Object.freeze({ autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null });

/**
 * The lifecycle a workspace gets when it is claimed: the request's choices where the template
 * allows them, otherwise the template's defaults. It starts neither dormant nor scheduled for deletion.
 *
 * @example
 * claimedLifecycle({ ...defaults, defaultTtlMs: 8 * 3_600_000, allowUserTtl: true }, { ttlMs: 3_600_000 });
 * // → { autostartSchedule: null, ttlMs: 3_600_000, dormantAt: null, deletingAt: null }
 */
export function claimedLifecycle(defaults: TemplateLifecycleDefaults, request: LifecycleRequest = {}): LifecycleSettings {
  const autostart = defaults.allowUserAutostart && request.autostartSchedule !== undefined ? request.autostartSchedule : defaults.autostartSchedule;
  const ttl = defaults.allowUserTtl && request.ttlMs !== undefined ? request.ttlMs : defaults.defaultTtlMs;
  return { autostartSchedule: autostart, ttlMs: ttl, dormantAt: null, deletingAt: null };
}
