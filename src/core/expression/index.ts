// Placeholder until the evaluator lands: every expression is refused with a clear message.
/** The inputs a target expression can read. */
export const TARGET_EXPRESSION_INPUTS = [
  "scheduled_target", "running", "eligible", "starting", "stopping", "deleting", "expired",
  "claims_5m", "claims_10m", "claims_30m", "claims_60m", "claims_120m",
  "misses_5m", "misses_10m", "misses_30m", "misses_60m", "misses_120m",
  "claim_rate_5m", "claim_rate_10m", "claim_rate_30m", "claim_rate_60m", "claim_rate_120m",
  "hour", "weekday",
] as const;
/** One input name. */
export type TargetExpressionInput = (typeof TARGET_EXPRESSION_INPUTS)[number];
/** Values of every input. */
export type TargetExpressionInputs = Readonly<Record<TargetExpressionInput, number>>;
/** A compiled expression. */
export interface CompiledTargetExpression {
  readonly source: string;
  readonly inputs: readonly TargetExpressionInput[];
}
/** Compiles an expression. */
export function compileTargetExpression(source: string): { ok: true; expression: CompiledTargetExpression } | { ok: false; message: string } {
  return { ok: false, message: `target expressions are not supported yet (${source.length} characters)` };
}
/** Evaluates an expression. */
export function evaluateTargetExpression(expression: CompiledTargetExpression, inputs: TargetExpressionInputs): { ok: true; value: number } | { ok: false; message: string } {
  void inputs;
  return { ok: false, message: `cannot evaluate ${expression.source}` };
}
