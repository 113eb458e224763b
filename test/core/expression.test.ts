import jsep from "jsep";
import { describe, expect, it } from "vitest";
import {
  type CompiledTargetExpression,
  compileTargetExpression,
  evaluateTargetExpression,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  TARGET_EXPRESSION_FUNCTIONS,
  TARGET_EXPRESSION_INPUTS,
  type TargetExpressionInput,
  type TargetExpressionInputs,
} from "../../src/core/expression/index.js";
import { FRACTIONS } from "../../src/core/expression/compile.js";

const ZERO = Object.fromEntries(TARGET_EXPRESSION_INPUTS.map((name) => [name, 0])) as Record<TargetExpressionInput, number>;

function inputsWith(values: Partial<Record<TargetExpressionInput, number>> = {}): TargetExpressionInputs {
  return { ...ZERO, ...values };
}

function compiled(source: string): CompiledTargetExpression {
  const result = compileTargetExpression(source);
  if (!result.ok) throw new Error(`${source} did not compile: ${result.message}`);
  return result.expression;
}

function valueOf(source: string, values: Partial<Record<TargetExpressionInput, number>> = {}): number {
  const result = evaluateTargetExpression(compiled(source), inputsWith(values));
  if (!result.ok) throw new Error(`${source} failed: ${result.message}`);
  return result.value;
}

/** Whether a boolean expression holds, through `? 1 : 0` since a target must be a number. */
function holds(condition: string, values: Partial<Record<TargetExpressionInput, number>> = {}): boolean {
  return valueOf(`(${condition}) ? 1 : 0`, values) === 1;
}

function compileError(source: string): string {
  const result = compileTargetExpression(source);
  if (result.ok) throw new Error(`${source} compiled`);
  return result.message;
}

function runtimeError(source: string, values: Partial<Record<TargetExpressionInput, number>> = {}): string {
  const result = evaluateTargetExpression(compiled(source), inputsWith(values));
  if (result.ok) throw new Error(`${source} gave ${result.value}`);
  return result.message;
}

const INPUT_LIST = TARGET_EXPRESSION_INPUTS.join(", ");
const FUNCTION_LIST = "clamp, min, max, ceil, floor, round, abs";

describe("target expressions: the examples", () => {
  it("max(scheduled_target, ceil(claim_rate_30m * 10))", () => {
    const source = "max(scheduled_target, ceil(claim_rate_30m * 10))";
    expect(compiled(source).inputs).toEqual(["scheduled_target", "claim_rate_30m"]);
    expect(valueOf(source, { scheduled_target: 3, claim_rate_30m: 0.45 })).toBe(5);
    expect(valueOf(source, { scheduled_target: 6, claim_rate_30m: 0.45 })).toBe(6);
    expect(valueOf(source, { scheduled_target: 2, claim_rate_30m: 0.3 })).toBe(3);
    expect(valueOf(source, { scheduled_target: 0, claim_rate_30m: 0 })).toBe(0);
  });

  it("hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0", () => {
    const source = "hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0";
    expect(compiled(source).inputs).toEqual(["claims_60m", "hour"]);
    expect(valueOf(source, { hour: 8, claims_60m: 7 })).toBe(0);
    expect(valueOf(source, { hour: 9, claims_60m: 0 })).toBe(2);
    expect(valueOf(source, { hour: 12, claims_60m: 7 })).toBe(7);
    expect(valueOf(source, { hour: 16, claims_60m: 25 })).toBe(20);
    expect(valueOf(source, { hour: 17, claims_60m: 7 })).toBe(0);
  });

  it("misses_10m > 0 ? eligible + misses_10m : scheduled_target", () => {
    const source = "misses_10m > 0 ? eligible + misses_10m : scheduled_target";
    expect(compiled(source).inputs).toEqual(["scheduled_target", "eligible", "misses_10m"]);
    expect(valueOf(source, { misses_10m: 0, eligible: 3, scheduled_target: 4 })).toBe(4);
    expect(valueOf(source, { misses_10m: 2, eligible: 3, scheduled_target: 4 })).toBe(5);
  });
});

describe("target expressions: arithmetic", () => {
  it("adds, subtracts, multiplies", () => {
    expect(valueOf("7 + 2")).toBe(9);
    expect(valueOf("7 - 2")).toBe(5);
    expect(valueOf("7 * 2")).toBe(14);
  });

  it("divides as floats, like expr-lang: 7 / 2 is 3.5", () => {
    expect(valueOf("7 / 2 * 2")).toBe(7);
    expect(valueOf("8 / 2")).toBe(4);
    expect(runtimeError("7 / 2")).toBe("the result 3.5 is not a whole number; round it with ceil, floor or round");
  });

  it("takes integer remainders with the sign of the dividend, like Go", () => {
    expect(valueOf("7 % 3")).toBe(1);
    expect(valueOf("-7 % 3")).toBe(-1);
    expect(valueOf("7 % -3")).toBe(1);
    expect(valueOf("6 % 3")).toBe(0);
    expect(valueOf("claims_60m % 4", { claims_60m: 10 })).toBe(2);
  });

  it("raises to a power with ** and its synonym ^", () => {
    expect(valueOf("2 ** 10")).toBe(1024);
    expect(valueOf("2 ^ 3")).toBe(8);
    expect(valueOf("4 ** 0.5")).toBe(2);
  });

  it("negates and keeps a sign with the prefix operators", () => {
    expect(valueOf("-3 + 5")).toBe(2);
    expect(valueOf("+3")).toBe(3);
    expect(valueOf("- -3")).toBe(3);
    expect(valueOf("-running", { running: 4 })).toBe(-4);
  });

  it("reads number literals: integers, decimals, exponents", () => {
    expect(valueOf("1e3")).toBe(1000);
    expect(valueOf(".5 * 4")).toBe(2);
    expect(valueOf("2.0")).toBe(2);
    expect(valueOf("2.50 * 2")).toBe(5);
  });

  it("reports -0 as 0", () => {
    const result = evaluateTargetExpression(compiled("0 * -1"), inputsWith());
    expect(result).toEqual({ ok: true, value: 0 });
    expect(result.ok && Object.is(result.value, 0)).toBe(true);
  });
});

describe("target expressions: precedence and associativity (expr-lang's)", () => {
  it("binds * / % tighter than + -", () => {
    expect(valueOf("1 + 2 * 3")).toBe(7);
    expect(valueOf("(1 + 2) * 3")).toBe(9);
    expect(valueOf("10 - 6 / 2")).toBe(7);
    expect(valueOf("1 + 7 % 4")).toBe(4);
  });

  it("groups + - * / % to the left", () => {
    expect(valueOf("10 - 4 - 3")).toBe(3);
    expect(valueOf("10 - (4 - 3)")).toBe(9);
    expect(valueOf("100 / 10 / 5")).toBe(2);
    expect(valueOf("2 * 3 % 4")).toBe(2);
    expect(valueOf("7 % 4 * 2")).toBe(6);
  });

  it("groups ** to the right and binds it tighter than a prefix minus", () => {
    expect(valueOf("2 ** 3 ** 2")).toBe(512);
    expect(valueOf("(2 ** 3) ** 2")).toBe(64);
    expect(valueOf("-2 ** 2")).toBe(-4);
    expect(valueOf("(-2) ** 2")).toBe(4);
    expect(valueOf("2 ** -1 * 4")).toBe(2);
    expect(valueOf("2 * 3 ** 2")).toBe(18);
  });

  it("binds arithmetic tighter than comparisons, comparisons tighter than &&, && tighter than ||", () => {
    expect(holds("1 + 2 > 2")).toBe(true);
    expect(holds("2 * 3 == 6")).toBe(true);
    expect(holds("1 < 2 && 3 < 2")).toBe(false);
    expect(holds("true || false && false")).toBe(true);
    expect(holds("(true || false) && false")).toBe(false);
    expect(holds("true or false and false")).toBe(true);
  });

  it("applies ! and not to the operand in front of them only", () => {
    expect(holds("!false && false")).toBe(false);
    expect(holds("not true or true")).toBe(true);
    expect(holds("not (true or true)")).toBe(false);
    expect(holds("!(1 > 2)")).toBe(true);
  });

  it("puts ? : below everything else", () => {
    expect(valueOf("1 > 0 ? 2 + 3 : 4")).toBe(5);
    expect(valueOf("true || false ? 1 : 2")).toBe(1);
    expect(valueOf("1 + (false ? 1 : 2)")).toBe(3);
  });
});

describe("target expressions: comparisons", () => {
  it("compares numbers with each operator", () => {
    expect([holds("2 == 2"), holds("2 == 3")]).toEqual([true, false]);
    expect([holds("2 != 3"), holds("2 != 2")]).toEqual([true, false]);
    expect([holds("2 < 3"), holds("3 < 3")]).toEqual([true, false]);
    expect([holds("3 <= 3"), holds("4 <= 3")]).toEqual([true, false]);
    expect([holds("4 > 3"), holds("3 > 3")]).toEqual([true, false]);
    expect([holds("3 >= 3"), holds("2 >= 3")]).toEqual([true, false]);
  });

  it("compares numbers numerically: 2 == 2.0", () => {
    expect(holds("2 == 2.0")).toBe(true);
    expect(holds("claim_rate_5m == 0.5", { claim_rate_5m: 0.5 })).toBe(true);
  });

  it("compares booleans with == and !=", () => {
    expect(holds("true == true")).toBe(true);
    expect(holds("true != false")).toBe(true);
    expect(holds("(1 < 2) == (3 < 4)")).toBe(true);
    expect(holds("(1 < 2) != (3 > 4)")).toBe(true);
  });

  it("chains comparisons as expr-lang does: a < b <= c means a < b && b <= c", () => {
    expect(holds("1 < hour < 5", { hour: 3 })).toBe(true);
    expect(holds("1 < hour < 5", { hour: 5 })).toBe(false);
    expect(holds("1 < hour < 5", { hour: 1 })).toBe(false);
    expect(holds("0 <= weekday <= 6 != 7", { weekday: 6 })).toBe(true);
    expect(holds("0 <= weekday <= 6 != 7", { weekday: 7 })).toBe(false);
    expect(compileError("1 < 2 == true")).toBe('"==" compares two numbers or two booleans, but "2" is a number and "true" is a boolean (at column 5)');
  });
});

describe("target expressions: logic", () => {
  it("has && and ||, with their word forms and, or", () => {
    const table = [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ] as const;
    for (const [a, b] of table) {
      expect(holds(`${a} && ${b}`)).toBe(a && b);
      expect(holds(`${a} and ${b}`)).toBe(a && b);
      expect(holds(`${a} || ${b}`)).toBe(a || b);
      expect(holds(`${a} or ${b}`)).toBe(a || b);
    }
  });

  it("has ! and its word form not", () => {
    expect([holds("!true"), holds("!false"), holds("not true"), holds("not false"), holds("!!true"), holds("not not false")]).toEqual([
      false,
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it("short-circuits && and ||, and evaluates only the chosen branch of ? :", () => {
    expect(holds("false && 1 % 0 == 0")).toBe(false);
    expect(holds("true || 1 % 0 == 0")).toBe(true);
    expect(valueOf("true ? 1 : 1 % 0")).toBe(1);
    expect(valueOf("false ? 1 % 0 : 2")).toBe(2);
  });

  it("does not take words that contain and, or, not for operators", () => {
    expect(compileError("notable + 1")).toBe(`unknown name "notable" (at column 1); the inputs are ${INPUT_LIST}`);
    expect(compileError("android")).toBe(`unknown name "android" (at column 1); the inputs are ${INPUT_LIST}`);
  });
});

describe("target expressions: ? :", () => {
  it("picks a branch by a boolean condition", () => {
    expect(valueOf("running > 2 ? 10 : 20", { running: 3 })).toBe(10);
    expect(valueOf("running > 2 ? 10 : 20", { running: 2 })).toBe(20);
  });

  it("nests, grouping to the right", () => {
    const source = "hour < 12 ? 1 : hour < 18 ? 2 : 3";
    expect([valueOf(source, { hour: 11 }), valueOf(source, { hour: 12 }), valueOf(source, { hour: 18 })]).toEqual([1, 2, 3]);
    expect(valueOf("false ? 1 : true ? 2 : 3")).toBe(2);
    expect(valueOf("true ? false ? 1 : 2 : 3")).toBe(2);
    expect(valueOf("(false ? true : false) ? 1 : 2")).toBe(2);
  });

  it("may give booleans, used as conditions", () => {
    expect(valueOf("(hour > 3 ? weekday == 0 : false) ? 7 : 8", { hour: 4, weekday: 0 })).toBe(7);
  });
});

describe("target expressions: functions", () => {
  it("lists its functions", () => {
    expect(TARGET_EXPRESSION_FUNCTIONS.join(", ")).toBe(FUNCTION_LIST);
  });

  it("clamp(value, low, high)", () => {
    expect(valueOf("clamp(1, 2, 20)")).toBe(2);
    expect(valueOf("clamp(7, 2, 20)")).toBe(7);
    expect(valueOf("clamp(25, 2, 20)")).toBe(20);
    expect(valueOf("clamp(25, 5, 5)")).toBe(5);
    expect(valueOf("clamp(-3, -5, 0)")).toBe(-3);
  });

  it("min and max take one or more arguments", () => {
    expect([valueOf("min(4)"), valueOf("min(4, 2)"), valueOf("min(4, 2, 3)"), valueOf("min(5, 4, 9, 1, 7)")]).toEqual([4, 2, 2, 1]);
    expect([valueOf("max(4)"), valueOf("max(4, 2)"), valueOf("max(2, 4, 3)"), valueOf("max(5, 4, 9, 1, 7)")]).toEqual([4, 4, 4, 9]);
    expect(valueOf("max(-1, -2)")).toBe(-1);
    expect(valueOf("min(1, 2,)")).toBe(1);
  });

  it("ceil, floor, abs", () => {
    expect([valueOf("ceil(1.2)"), valueOf("ceil(-1.2)"), valueOf("ceil(3)")]).toEqual([2, -1, 3]);
    expect([valueOf("floor(1.8)"), valueOf("floor(-1.2)"), valueOf("floor(3)")]).toEqual([1, -2, 3]);
    expect([valueOf("abs(-4)"), valueOf("abs(4)"), valueOf("abs(0)")]).toEqual([4, 4, 0]);
  });

  it("round rounds half away from zero, like Go's math.Round", () => {
    expect([valueOf("round(2.5)"), valueOf("round(-2.5)"), valueOf("round(2.4)"), valueOf("round(-2.6)"), valueOf("round(0.5)"), valueOf("round(-0.5)")]).toEqual([
      3, -3, 2, -3, 1, -1,
    ]);
  });

  it("allows a space before the parenthesis of a call", () => {
    expect(valueOf("max (1, 2)")).toBe(2);
  });

  it("rejects a wrong number of arguments", () => {
    expect(compileError("clamp(1, 2)")).toBe("clamp takes 3 arguments (clamp(value, low, high)), but got 2 (at column 1)");
    expect(compileError("clamp(1, 2, 3, 4)")).toBe("clamp takes 3 arguments (clamp(value, low, high)), but got 4 (at column 1)");
    expect(compileError("min()")).toBe("min takes at least 1 argument (min(a, b, …)), but got 0 (at column 1)");
    expect(compileError("max()")).toBe("max takes at least 1 argument (max(a, b, …)), but got 0 (at column 1)");
    expect(compileError("ceil()")).toBe("ceil takes 1 argument (ceil(x)), but got 0 (at column 1)");
    expect(compileError("floor(1, 2)")).toBe("floor takes 1 argument (floor(x)), but got 2 (at column 1)");
    expect(compileError("round(1, 2)")).toBe("round takes 1 argument (round(x)), but got 2 (at column 1)");
    expect(compileError("1 + abs(1, 2)")).toBe("abs takes 1 argument (abs(x)), but got 2 (at column 5)");
  });

  it("rejects a boolean argument", () => {
    expect(compileError("max(1, hour > 2)")).toBe('argument 2 of max must be a number, but "hour > 2" is a boolean (at column 8)');
    expect(compileError("ceil(true)")).toBe('argument 1 of ceil must be a number, but "true" is a boolean (at column 6)');
  });
});

describe("target expressions: inputs", () => {
  it("names every input the Go system names", () => {
    expect(TARGET_EXPRESSION_INPUTS).toHaveLength(24);
    for (const name of TARGET_EXPRESSION_INPUTS) expect(valueOf(name, { [name]: 7 })).toBe(7);
  });

  it("lists the inputs an expression reads, once each, in the fixed order", () => {
    expect(compiled("hour + claims_5m + hour").inputs).toEqual(["claims_5m", "hour"]);
    expect(compiled("weekday == 0 ? misses_120m : claim_rate_5m * 0").inputs).toEqual(["misses_120m", "claim_rate_5m", "weekday"]);
    expect(compiled("3").inputs).toEqual([]);
  });

  it("accepts white space of every kind around tokens", () => {
    expect(valueOf("\n\t max( running ,\r\n 2 )  ", { running: 1 })).toBe(2);
  });
});

describe("target expressions: compile errors", () => {
  it("an unknown name", () => {
    expect(compileError("claims_15m + 1")).toBe(`unknown name "claims_15m" (at column 1); the inputs are ${INPUT_LIST}`);
    expect(compileError("1 + nil")).toBe(`unknown name "nil" (at column 5); the inputs are ${INPUT_LIST}`);
  });

  it("an unknown function, an input called, a function not called", () => {
    expect(compileError("sqrt(4)")).toBe(`unknown function "sqrt" (at column 1); the functions are ${FUNCTION_LIST}`);
    expect(compileError("2 * running(1)")).toBe(`running is an input, not a function (at column 5); the functions are ${FUNCTION_LIST}`);
    expect(compileError("max + 1")).toBe("max is a function; call it as max(a, b, …) (at column 1)");
  });

  it("a boolean where a number is needed", () => {
    expect(compileError("true + 1")).toBe('the left operand of "+" must be a number, but "true" is a boolean (at column 1)');
    expect(compileError("1 * (hour > 2)")).toBe('the right operand of "*" must be a number, but "(hour > 2)" is a boolean (at column 5)');
    expect(compileError("-(1 < 2)")).toBe('the operand of "-" must be a number, but "(1 < 2)" is a boolean (at column 2)');
    expect(compileError("true < 2 ? 1 : 0")).toBe('the left operand of "<" must be a number, but "true" is a boolean (at column 1)');
  });

  it("a number where a boolean is needed", () => {
    expect(compileError("running ? 1 : 0")).toBe('the condition of "? :" must be a boolean, but "running" is a number (at column 1)');
    expect(compileError("running && true ? 1 : 0")).toBe('the left operand of "&&" must be a boolean, but "running" is a number (at column 1)');
    expect(compileError("true or 1 ? 1 : 0")).toBe('the right operand of "or" must be a boolean, but "1" is a number (at column 9)');
    expect(compileError("!running ? 1 : 0")).toBe('the operand of "!" must be a boolean, but "running" is a number (at column 2)');
    expect(compileError("not 1 ? 1 : 0")).toBe('the operand of "not" must be a boolean, but "1" is a number (at column 5)');
  });

  it("== between a number and a boolean, and branches of different types", () => {
    expect(compileError("hour == true ? 1 : 0")).toBe('"==" compares two numbers or two booleans, but "hour" is a number and "true" is a boolean (at column 1)');
    expect(compileError("hour > 2 ? 1 : false")).toBe('both branches of "? :" must have the same type, but "1" is a number and "false" is a boolean (at column 12)');
  });

  it("a result that is not a number", () => {
    expect(compileError("hour > 9")).toBe('the expression must give a number (the desired count), but "hour > 9" gives a boolean');
    expect(compileError("true")).toBe('the expression must give a number (the desired count), but "true" gives a boolean');
  });

  it("malformed text", () => {
    expect(compileError("claims_10m +")).toBe("Expected expression after + at column 13");
    expect(compileError("max(1 2)")).toBe('expected "," or ")" between arguments at column 7');
    expect(compileError("max(1, 2")).toBe('missing ")" after the arguments of max at column 9');
    expect(compileError("(1 + 2")).toBe('missing ")" at column 7');
    expect(compileError("()")).toBe('empty parentheses "()" at column 2');
    expect(compileError("1 2")).toBe('unexpected "2" at column 3');
    expect(compileError("1; 2")).toBe('unexpected ";" at column 2');
    expect(compileError("running = 1")).toBe('unexpected "=" at column 9');
    expect(compileError("a ?? 1")).toBe('expected an expression after "?" at column 4');
    expect(compileError("hour > 2 ? 1")).toBe('expected ":" after the first branch of "?" at column 13');
    expect(compileError("1 and")).toBe('unexpected "and" at column 3');
    expect(compileError("and 1")).toBe('expected an operand before "and" at column 1');
    expect(compileError("not")).toBe('expected an operand after "not" at column 1');
  });

  it("syntax of expr-lang that target expressions do not have", () => {
    expect(compileError('"five"')).toBe('text strings such as "five" are not supported (at column 1)');
    expect(compileError("[1, 2]")).toBe("lists such as [1, 2] are not supported (at column 1)");
    expect(compileError("running.count")).toBe('unexpected "." at column 8');
    expect(compileError("0x10")).toBe("Variable names cannot start with a number (0x) at column 2");
    expect(compileError("1 | 2")).toBe('unexpected "|" at column 3');
  });

  it("an empty expression", () => {
    expect(compileError("")).toBe("the expression is empty");
    expect(compileError(" \n\t ")).toBe("the expression is empty");
  });
});

describe("target expressions: run-time errors come back as results", () => {
  it("modulo by zero", () => {
    expect(runtimeError("running % misses_5m", { running: 5, misses_5m: 0 })).toBe('"running % misses_5m" (at column 1): modulo by zero');
  });

  it("modulo of a fraction", () => {
    expect(runtimeError("claim_rate_5m % 2", { claim_rate_5m: 1.5 })).toBe('"claim_rate_5m % 2" (at column 1): "%" needs whole numbers, but got 1.5 % 2');
    expect(runtimeError("4 % 0.5")).toBe('"4 % 0.5" (at column 1): "%" needs whole numbers, but got 4 % 0.5');
  });

  it("clamp with its low bound above its high bound", () => {
    expect(runtimeError("1 + clamp(5, 10, 0)")).toBe('"clamp(5, 10, 0)" (at column 5): the low bound 10 is above the high bound 0');
  });

  it("a result that is not finite", () => {
    expect(runtimeError("1 / 0")).toBe("the result is Infinity, not a finite number");
    expect(runtimeError("-1 / running")).toBe("the result is -Infinity, not a finite number");
    expect(runtimeError("0 / 0")).toBe("the result is NaN, not a finite number");
  });

  it("a result that is not a whole number", () => {
    expect(runtimeError("claim_rate_5m * 10", { claim_rate_5m: 0.25 })).toBe("the result 2.5 is not a whole number; round it with ceil, floor or round");
  });

  it("an input read that is not a finite number", () => {
    expect(runtimeError("claims_60m + 1", { claims_60m: Number.NaN })).toBe("the input claims_60m is NaN, not a finite number");
    expect(runtimeError("claims_60m > 1 ? 1 : 0", { claims_60m: Number.POSITIVE_INFINITY })).toBe("the input claims_60m is Infinity, not a finite number");
    const missing = { ...ZERO } as Partial<Record<TargetExpressionInput, number>>;
    delete missing.hour;
    expect(evaluateTargetExpression(compiled("hour"), missing as TargetExpressionInputs)).toEqual({ ok: false, message: "the input hour is undefined, not a finite number" });
  });

  it("does not check an input the evaluation does not read", () => {
    expect(valueOf("hour < 0 ? claims_5m : 1", { claims_5m: Number.NaN })).toBe(1);
  });

  it("follows float arithmetic where Go does: 1 / 0 > 5 is true", () => {
    expect(valueOf("1 / 0 > 5 ? 1 : 2")).toBe(1);
    expect(valueOf("0 / 0 == 0 / 0 ? 1 : 2")).toBe(2);
  });

  it("never throws for any run-time error", () => {
    for (const source of ["1 % 0", "1 / 0", "7 / 2", "clamp(1, 3, 2)", "2.5 % 1"]) {
      expect(() => evaluateTargetExpression(compiled(source), inputsWith())).not.toThrow();
    }
  });
});

describe("target expressions: limits against hostile text", () => {
  it("accepts up to the length limit and rejects one character more", () => {
    expect(MAX_EXPRESSION_LENGTH).toBe(4096);
    expect(valueOf(`1${" ".repeat(MAX_EXPRESSION_LENGTH - 1)}`)).toBe(1);
    expect(compileError(`1${" ".repeat(MAX_EXPRESSION_LENGTH)}`)).toBe("the expression is 4097 characters long; at most 4096 are allowed");
  });

  it("accepts nesting up to the depth limit and rejects one level more", () => {
    expect(MAX_EXPRESSION_DEPTH).toBe(64);
    const nested = (levels: number) => `${"(".repeat(levels)}1${")".repeat(levels)}`;
    expect(valueOf(nested(MAX_EXPRESSION_DEPTH - 1))).toBe(1);
    expect(compileError(nested(MAX_EXPRESSION_DEPTH))).toBe("the expression nests more than 64 levels deep at column 65");
    const sum = (terms: number) => Array.from({ length: terms }, () => "1").join(" + ");
    expect(valueOf(sum(MAX_EXPRESSION_DEPTH))).toBe(64);
    expect(compileError(sum(MAX_EXPRESSION_DEPTH + 1))).toBe("the expression nests more than 64 levels deep");
  });

  it("turns 4 KiB of nesting of every kind into an error, without overflowing the stack", () => {
    const hostile = [
      "(".repeat(4096),
      `${"(".repeat(2000)}1${")".repeat(2000)}`,
      `${"-".repeat(4095)}1`,
      `${"!".repeat(4092)}true`,
      `${"not ".repeat(1020)}true`,
      `${"true?".repeat(500)}1${":1".repeat(500)}`,
      `${"1?1:".repeat(1023)}1`,
      `${"max(".repeat(800)}1${")".repeat(800)}`,
      `${"1+".repeat(2047)}1`,
      `${"2**".repeat(1365)}1`,
      `${"1<".repeat(2047)}1`,
    ];
    for (const source of hostile) {
      expect(source.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
      const result = compileTargetExpression(source);
      expect(result.ok).toBe(false);
      expect(result.ok ? "" : result.message).toMatch(/^the expression nests more than 64 levels deep/);
    }
  });
});

describe("target expressions: compiling once", () => {
  it("gives the same object for the same source", () => {
    const first = compileTargetExpression("running + 1 + 2 * 3");
    const second = compileTargetExpression("running + 1 + 2 * 3");
    expect(second).toBe(first);
    expect(first.ok && second.ok && second.expression === first.expression).toBe(true);
    expect(compileTargetExpression("running + 1 + 2 * 3 ")).not.toBe(first);
  });

  it("remembers failures too", () => {
    expect(compileTargetExpression("nope + 1")).toBe(compileTargetExpression("nope + 1"));
  });

  it("keeps each expression's numbers apart: integers in its bytecode, other numbers beside it", () => {
    const small = compiled("hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0");
    const large = compiled("hour>=10&&hour<18 ? clamp(claims_60m, 5, 50) : 1");
    expect(small[FRACTIONS]).toEqual([]);
    expect(compiled("claim_rate_5m * 2.5 + 1099511627776 + 1e300 * 0")[FRACTIONS]).toEqual([2.5, 2 ** 40, 1e300]);
    expect(valueOf("claim_rate_5m * 2.5 + 1099511627776 + 1e300 * 0", { claim_rate_5m: 2 })).toBe(5 + 2 ** 40);
    expect(valueOf(small.source, { hour: 9, claims_60m: 30 })).toBe(20);
    expect(valueOf(large.source, { hour: 9, claims_60m: 30 })).toBe(1);
    expect(valueOf(large.source, { hour: 10, claims_60m: 30 })).toBe(30);
    expect(valueOf(large.source, { hour: 10, claims_60m: 60 })).toBe(50);
  });

  it("quotes each expression's own text in run-time errors", () => {
    expect(runtimeError("running % 0")).toBe('"running % 0" (at column 1): modulo by zero');
    expect(runtimeError("1 + running  %  0")).not.toBe(runtimeError("running % 0"));
    expect(runtimeError("1 + running  %  0")).toBe('"running  %  0" (at column 5): modulo by zero');
    expect(runtimeError("2 + running % 0")).toBe('"running % 0" (at column 5): modulo by zero');
    expect(runtimeError("clamp(1, 9, 2)")).toBe('"clamp(1, 9, 2)" (at column 1): the low bound 9 is above the high bound 2');
    expect(runtimeError("clamp(1,  8, 3)")).toBe('"clamp(1,  8, 3)" (at column 1): the low bound 8 is above the high bound 3');
  });

  it("freezes what it shares", () => {
    const expression = compiled("hour + 1");
    expect(Object.isFrozen(expression)).toBe(true);
    expect(Object.isFrozen(expression.inputs)).toBe(true);
    expect(expression.source).toBe("hour + 1");
  });
});

describe("target expressions: jsep stays as the host configured it", () => {
  it("leaves jsep's shared configuration and behaviour unchanged, also after a failed parse", () => {
    const operatorsBefore = jsep.binary_ops;
    const snapshotBefore = { ...jsep.binary_ops };
    const before = JSON.stringify(jsep("a === b ? c : d"));
    expect(compileTargetExpression("hour >= 9 and not (hour > 17) ? 1 : 2").ok).toBe(true);
    expect(compileTargetExpression("(((").ok).toBe(false);
    expect(compileTargetExpression("1 +").ok).toBe(false);
    expect(jsep.binary_ops).toBe(operatorsBefore);
    expect({ ...jsep.binary_ops }).toEqual(snapshotBefore);
    expect(JSON.stringify(jsep("a === b ? c : d"))).toBe(before);
    expect(() => jsep("a and b")).not.toThrow();
    expect(jsep("a and b").type).toBe("Compound");
  });
});
