/**
 * A preset's configuration key (SPEC §12): a short fingerprint of everything an administrator can
 * change about how a preset builds, so that a `validationFailed` block recorded with one key lifts
 * by itself once the configuration has another.
 */

import type { Preset } from "./types/index.js";

/** FNV-1a over UTF-16 code units, 2 × 32 bits: stable, fast, not for secrets. */
function fingerprint(text: string): string {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    low = Math.imul(low ^ unit, 0x01000193) >>> 0;
    high = Math.imul(high ^ unit ^ (low >>> 16), 0x01000193) >>> 0;
  }
  return high.toString(16).padStart(8, "0") + low.toString(16).padStart(8, "0");
}

/**
 * The fingerprint of a preset's configuration: its template version, name, counts, TTL,
 * invalidation instant, schedules and target expression. Whether the template is active, deleted
 * or deprecated is not part of it. An operator who invalidates a preset's prebuilds also changes
 * its key, which retries a preset blocked by `validationFailed`.
 *
 * @example
 * await store.setPresetStatus({ presetId: preset.id, status: "validationFailed", configurationKey: presetConfigurationKey(preset) });
 */
export function presetConfigurationKey(preset: Preset): string {
  const scheduling = preset.scheduling ?? null;
  const canonical = JSON.stringify([
    preset.templateVersionId,
    preset.name,
    preset.desiredInstances,
    preset.ttlSeconds ?? null,
    preset.lastInvalidatedAt?.getTime() ?? null,
    scheduling === null ? null : [scheduling.timezone, scheduling.leadTimeSeconds ?? 0, scheduling.schedules.map((schedule) => [schedule.cron, schedule.instances])],
    preset.desiredInstancesExpression ?? null,
  ]);
  return `v1:${fingerprint(canonical)}`;
}
