/**
 * Target expressions: a formula over live numbers (claims, misses, the scheduled count, the hour)
 * that gives a preset's desired number of prebuilds, in the syntax of the Go system's expr-lang
 * expressions. Pure: no I/O, no clock.
 */

export { type CompiledTargetExpression, compileTargetExpression, type TargetExpressionCompileResult } from "./compile.js";
export { evaluateTargetExpression, type TargetExpressionEvaluation } from "./evaluate.js";
export { TARGET_EXPRESSION_FUNCTIONS } from "./functions.js";
export { isTargetExpressionInput, TARGET_EXPRESSION_INPUTS, type TargetExpressionInput, type TargetExpressionInputs } from "./inputs.js";
export { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from "./syntax.js";
