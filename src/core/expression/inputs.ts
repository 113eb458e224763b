/**
 * The numbers a target expression may read. The names are the ones the Go system's expressions
 * use, so that an expression written for one works in the other.
 */

/**
 * Every input name a target expression may use, in a fixed order (the order of
 * {@link CompiledTargetExpression.inputs}).
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

/** Reads one input. One small function per name keeps each property read monomorphic. */
export type InputReader = (inputs: TargetExpressionInputs) => number;

/** Thrown inside a compiled program for a run-time error; caught by the evaluator, never seen outside. */
export class EvaluationFault {
  constructor(readonly message: string) {}
}

// `value - value` is 0 for a finite number and NaN for NaN, ±Infinity, undefined and non-numbers:
// one subtraction per read, cheaper than a separate pass over the inputs before each evaluation.
function finite(value: number, name: string): number {
  if (value - value !== 0) throw new EvaluationFault(`the input ${name} is ${String(value)}, not a finite number`);
  return value;
}

/**
 * A reader for each input name. It checks the value it reads, so an expression fails on an input
 * that is not a finite number (instead of, say, taking the wrong branch of `? :` on NaN), and
 * only inputs the evaluation actually reads are checked.
 */
export const INPUT_READERS: Readonly<Record<TargetExpressionInput, InputReader>> = {
  scheduled_target: (inputs) => finite(inputs.scheduled_target, "scheduled_target"),
  running: (inputs) => finite(inputs.running, "running"),
  eligible: (inputs) => finite(inputs.eligible, "eligible"),
  starting: (inputs) => finite(inputs.starting, "starting"),
  stopping: (inputs) => finite(inputs.stopping, "stopping"),
  deleting: (inputs) => finite(inputs.deleting, "deleting"),
  expired: (inputs) => finite(inputs.expired, "expired"),
  claims_5m: (inputs) => finite(inputs.claims_5m, "claims_5m"),
  claims_10m: (inputs) => finite(inputs.claims_10m, "claims_10m"),
  claims_30m: (inputs) => finite(inputs.claims_30m, "claims_30m"),
  claims_60m: (inputs) => finite(inputs.claims_60m, "claims_60m"),
  claims_120m: (inputs) => finite(inputs.claims_120m, "claims_120m"),
  misses_5m: (inputs) => finite(inputs.misses_5m, "misses_5m"),
  misses_10m: (inputs) => finite(inputs.misses_10m, "misses_10m"),
  misses_30m: (inputs) => finite(inputs.misses_30m, "misses_30m"),
  misses_60m: (inputs) => finite(inputs.misses_60m, "misses_60m"),
  misses_120m: (inputs) => finite(inputs.misses_120m, "misses_120m"),
  claim_rate_5m: (inputs) => finite(inputs.claim_rate_5m, "claim_rate_5m"),
  claim_rate_10m: (inputs) => finite(inputs.claim_rate_10m, "claim_rate_10m"),
  claim_rate_30m: (inputs) => finite(inputs.claim_rate_30m, "claim_rate_30m"),
  claim_rate_60m: (inputs) => finite(inputs.claim_rate_60m, "claim_rate_60m"),
  claim_rate_120m: (inputs) => finite(inputs.claim_rate_120m, "claim_rate_120m"),
  hour: (inputs) => finite(inputs.hour, "hour"),
  weekday: (inputs) => finite(inputs.weekday, "weekday"),
};

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
