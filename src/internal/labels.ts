/** How a preset is named in metrics labels, log lines and span attributes. */

import type { Preset } from "../core/types/index.js";
import type { PresetLabels } from "../ports/metrics.js";
import type { ClaimedWorkspace, PresetBuildTotals } from "../ports/store.js";

/** Where a preset's readable organization and template names may come from. */
interface MaybeNamed {
  readonly organizationName?: unknown;
  readonly templateName?: unknown;
}

/**
 * The labels of a preset's series, from anything that names a preset: the readable organization
 * and template names are carried when they are non-empty strings (a store's snapshot presets,
 * claims and totals may have them), and left out otherwise, so that adapters fall back to ids.
 */
function labels(presetId: string, presetName: string, organizationId: string, templateId: string, named: MaybeNamed): PresetLabels {
  const { organizationName, templateName } = named;
  return {
    organizationId,
    templateId,
    presetId,
    presetName,
    ...(typeof organizationName === "string" && organizationName !== "" ? { organizationName } : {}),
    ...(typeof templateName === "string" && templateName !== "" ? { templateName } : {}),
  };
}

/** The labels of a preset's series; a store preset's organization and template names are kept. */
export function labelsOf(preset: Preset): PresetLabels {
  // The plan hands back the store's own preset objects, so a StorePreset's names are still there.
  return labels(preset.id, preset.name, preset.organizationId, preset.templateId, preset as MaybeNamed);
}

/** The labels of the preset a claimed workspace came from. */
export function labelsOfClaim(claim: ClaimedWorkspace): PresetLabels {
  return labels(claim.presetId, claim.presetName, claim.organizationId, claim.templateId, claim);
}

/** The labels of a preset's row of build totals. */
export function labelsOfTotals(totals: PresetBuildTotals): PresetLabels {
  return labels(totals.presetId, totals.presetName, totals.organizationId, totals.templateId, totals);
}

/** The fields every log line about a preset carries. */
export function presetFields(preset: Preset): Record<string, string> {
  return { presetId: preset.id, presetName: preset.name, templateId: preset.templateId, organizationId: preset.organizationId };
}
