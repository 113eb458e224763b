/** How a preset is named in metrics labels, log lines and span attributes. */

import type { Preset } from "../core/types.js";
import type { PresetLabels } from "../ports/metrics.js";

/** The labels of a preset's series. */
export function labelsOf(preset: Preset): PresetLabels {
  return { organizationId: preset.organizationId, templateId: preset.templateId, presetId: preset.id, presetName: preset.name };
}

/** The fields every log line about a preset carries. */
export function presetFields(preset: Preset): Record<string, string> {
  return { presetId: preset.id, presetName: preset.name, templateId: preset.templateId, organizationId: preset.organizationId };
}
