/**
 * The numbers a target expression may read. The names are the ones the Go system's expressions
 * use, so that an expression written for one works in the other.
 */

/**
 * Every input name a target expression may use, in a fixed order (the order of
 * {@link CompiledTargetExpression.inputs}; the interpreter reads inputs by their index here).
 *
 * @example
 * TARGET_EXPRESSION_INPUTS.includes("claims_60m"); // true
 */
export const TARGET_EXPRESSION_INPUTS = [
  "scheduled_target",
  "running",
  "eligible",
  "starting",
  "stopping",
  "deleting",
  "expired",
  "claims_5m",
  "claims_10m",
  "claims_30m",
  "claims_60m",
  "claims_120m",
  "misses_5m",
  "misses_10m",
  "misses_30m",
  "misses_60m",
  "misses_120m",
  "claim_rate_5m",
  "claim_rate_10m",
  "claim_rate_30m",
  "claim_rate_60m",
  "claim_rate_120m",
  "hour",
  "weekday",
] as const;

/** One input name, for example `"claims_60m"`. */
export type TargetExpressionInput = (typeof TARGET_EXPRESSION_INPUTS)[number];

/**
 * The values of the inputs for one evaluation: every name, each a finite number. `hour` is 0–23 and
 * `weekday` 0–6 with 0 = Sunday, in the preset's time zone; claim rates are claims per minute.
 */
export type TargetExpressionInputs = Readonly<Record<TargetExpressionInput, number>>;

const INPUT_NAMES: ReadonlySet<string> = new Set(TARGET_EXPRESSION_INPUTS);

/**
 * Whether `name` is one of {@link TARGET_EXPRESSION_INPUTS}.
 *
 * @example
 * isTargetExpressionInput("hour"); // true
 * isTargetExpressionInput("minute"); // false
 */
export function isTargetExpressionInput(name: string): name is TargetExpressionInput {
  return INPUT_NAMES.has(name);
}
