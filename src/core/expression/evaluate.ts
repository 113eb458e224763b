/**
 * Evaluating a compiled target expression over one set of inputs. Run-time problems come back as
 * a result, never as an exception.
 */

import { type CompiledTargetExpression, FRACTIONS, PROGRAM, TEXTS } from "./compile.js";
import { EvaluationFault, runBytecode } from "./bytecode.js";
import type { TargetExpressionInputs } from "./inputs.js";

/** The result of an evaluation: a whole number, or a message saying what went wrong. */
export type TargetExpressionEvaluation = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

/**
 * Evaluates a compiled expression. The value is a whole number (2.0 is 2); it may be negative or
 * large: bounding it is the caller's policy. Fails, without throwing, when an input the evaluation
 * reads is not a finite number, on a modulo by zero or of a fraction, on `clamp` with its low bound
 * above its high bound, and when the result is not finite (1 / 0) or not whole (2.5).
 *
 * @example
 * const compiled = compileTargetExpression("misses_10m > 0 ? eligible + misses_10m : scheduled_target");
 * if (compiled.ok) evaluateTargetExpression(compiled.expression, inputs); // { ok: true, value: 5 }
 */
export function evaluateTargetExpression(expression: CompiledTargetExpression, inputs: TargetExpressionInputs): TargetExpressionEvaluation {
  let value: number;
  try {
    value = runBytecode(expression[PROGRAM], expression[FRACTIONS], inputs);
  } catch (error) {
    if (error instanceof EvaluationFault) {
      return { ok: false, message: error.text === null ? error.detail : `${expression[TEXTS][error.text] ?? ""}: ${error.detail}` };
    }
    return { ok: false, message: `the evaluation failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Number.isFinite(value)) return { ok: false, message: `the result is ${value}, not a finite number` };
  if (!Number.isInteger(value)) return { ok: false, message: `the result ${value} is not a whole number; round it with ceil, floor or round` };
  // -0 (from -0 * 5, say) is reported as 0.
  return { ok: true, value: value === 0 ? 0 : value };
}
