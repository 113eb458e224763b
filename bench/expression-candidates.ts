/**
 * The candidates for evaluating target expressions, side by side: which of the examples and
 * operator probes each accepts with expr-lang's result, and what parsing and evaluating cost.
 * docs/expression-evaluator.md records the figures and the choice.
 *
 * Only jsep (the chosen parser) is a dependency of the project. Install the others for a run,
 * without saving them, then restore the tree with `npm ci`:
 *
 *   npm i --no-save jexl@2.3.0 expr-eval-fork@3.0.3 filtrex@3.1.0 @bufbuild/cel@0.6.1 @marcbachmann/cel-js@8.0.0 subscript@10.8.0
 *   node --import tsx bench/expression-candidates.ts [--candidates | --scale]
 *
 * A candidate that is not installed is reported as such and skipped.
 *
 * Every candidate gets the same functions (clamp, min, max, ceil, floor, round, abs with Go's
 * semantics), through its own API, and as much of expr-lang's syntax as its API can add (`and`,
 * `or`, `not` where the grammar can be extended). The probes then show what the grammar and the
 * operators themselves do.
 */

import { Bench } from "tinybench";
import { compileTargetExpression, evaluateTargetExpression, TARGET_EXPRESSION_INPUTS, type TargetExpressionInputs } from "../src/core/expression/index.js";
import { parseTargetExpression } from "../src/core/expression/parse.js";
import { buildProgram } from "../src/core/expression/program.js";

type Inputs = TargetExpressionInputs;
type Evaluate = (inputs: Inputs) => unknown;

interface Engine {
  /** Parses (and checks, where the candidate checks); throws on what it rejects. */
  compile(source: string): Evaluate;
  /** The spelling this candidate needs for the examples when it does not take them as written (timing only). */
  adapt?(source: string): string;
}

interface Candidate {
  readonly name: string;
  /** What to install for it, with the version measured. */
  readonly packages: readonly string[];
  load(): Promise<Engine>;
}

// ── the shared functions, with Go's semantics ─────────────────────────────────────────────────

function clamp(value: number, low: number, high: number): number {
  if (low > high) throw new Error("clamp: low above high");
  if (value < low) return low;
  return value > high ? high : value;
}
const goRound = (value: number): number => (value < 0 ? -Math.round(-value) : Math.round(value));
const minimum = (...values: number[]): number => values.reduce((best, value) => (value < best ? value : best));
const maximum = (...values: number[]): number => values.reduce((best, value) => (value > best ? value : best));
const FUNCTIONS = { clamp, min: minimum, max: maximum, ceil: Math.ceil, floor: Math.floor, round: goRound, abs: Math.abs };

async function load(name: string): Promise<Record<string, unknown>> {
  return (await import(name)) as Record<string, unknown>;
}

// ── the candidates ───────────────────────────────────────────────────────────────────────────

const CANDIDATES: readonly Candidate[] = [
  {
    name: "jsep 1.6.0 + own bytecode (chosen)",
    packages: ["jsep@1.6.0"],
    load: () =>
      Promise.resolve({
        compile(source) {
          // Uncached, so that the timing shows the real parse and build cost.
          const parsed = parseTargetExpression(source);
          if (!parsed.ok) throw new Error(parsed.message);
          const built = buildProgram(parsed.tree, source);
          if (!built.ok) throw new Error(built.message);
          const compiled = compileTargetExpression(source);
          if (!compiled.ok) throw new Error(compiled.message);
          const expression = compiled.expression;
          return (inputs) => {
            const result = evaluateTargetExpression(expression, inputs);
            if (!result.ok) throw new Error(result.message);
            return result.value;
          };
        },
      }),
  },
  {
    name: "jexl 2.3.0",
    packages: ["jexl@2.3.0"],
    async load() {
      interface JexlExpression {
        evalSync(context: object): unknown;
      }
      interface Jexl {
        addFunction(name: string, fn: (...args: never[]) => unknown): void;
        addBinaryOp(operator: string, precedence: number, fn: (left: unknown, right: unknown) => unknown): void;
        addUnaryOp(operator: string, fn: (value: unknown) => unknown): void;
        compile(source: string): JexlExpression;
      }
      const { Jexl } = (await load("jexl")) as { Jexl: new () => Jexl };
      const jexl = new Jexl();
      for (const [name, fn] of Object.entries(FUNCTIONS)) jexl.addFunction(name, fn as (...args: never[]) => unknown);
      jexl.addBinaryOp("and", 10, (left, right) => Boolean(left) && Boolean(right));
      jexl.addBinaryOp("or", 10, (left, right) => Boolean(left) || Boolean(right));
      jexl.addUnaryOp("not", (value) => !value);
      return {
        compile(source) {
          const expression = jexl.compile(source);
          return (inputs) => expression.evalSync(inputs);
        },
      };
    },
  },
  {
    name: "expr-eval-fork 3.0.3",
    packages: ["expr-eval-fork@3.0.3"],
    async load() {
      interface ExprEvalParser {
        functions: Record<string, unknown>;
        unaryOps: Record<string, unknown>;
        parse(source: string): { evaluate(values: object): unknown };
      }
      const { Parser } = (await load("expr-eval-fork")) as { Parser: new () => ExprEvalParser };
      const parser = new Parser();
      Object.assign(parser.functions, { clamp, min: minimum, max: maximum });
      Object.assign(parser.unaryOps, { round: goRound });
      return {
        compile(source) {
          const expression = parser.parse(source);
          return (inputs) => expression.evaluate(inputs);
        },
        adapt: (source) => source.replaceAll("&&", "and"),
      };
    },
  },
  {
    name: "filtrex 3.1.0",
    packages: ["filtrex@3.1.0"],
    async load() {
      const { compileExpression } = (await load("filtrex")) as {
        compileExpression(source: string, options: object): (data: object) => unknown;
      };
      return {
        compile(source) {
          // filtrex warns on the console about its deprecated `? :` and `%`; the probes report those anyway.
          const warn = console.warn;
          console.warn = () => undefined;
          let run: (data: object) => unknown;
          try {
            run = compileExpression(source, { extraFunctions: FUNCTIONS });
          } finally {
            console.warn = warn;
          }
          return (inputs) => {
            const value = run(inputs);
            if (value instanceof Error) throw value;
            return value;
          };
        },
        adapt: (source) => source.replaceAll("&&", "and"),
      };
    },
  },
  {
    name: "@bufbuild/cel 0.6.1",
    packages: ["@bufbuild/cel@0.6.1"],
    async load() {
      const cel = (await load("@bufbuild/cel")) as {
        CelScalar: { DOUBLE: unknown };
        celFunc(name: string, args: unknown[], result: unknown, fn: (...args: number[]) => number): unknown;
        celEnv(options: object): unknown;
        parse(source: string): unknown;
        plan(env: unknown, parsed: unknown): (bindings: object) => unknown;
        isCelError(value: unknown): boolean;
      };
      const double = cel.CelScalar.DOUBLE;
      const funcs = [
        cel.celFunc("clamp", [double, double, double], double, clamp),
        ...[1, 2, 3, 4].flatMap((arity) => [
          cel.celFunc("min", Array.from({ length: arity }, () => double), double, minimum),
          cel.celFunc("max", Array.from({ length: arity }, () => double), double, maximum),
        ]),
        ...(["ceil", "floor", "round", "abs"] as const).map((name) => cel.celFunc(name, [double], double, FUNCTIONS[name])),
      ];
      const env = cel.celEnv({ funcs });
      return {
        compile(source) {
          const run = cel.plan(env, cel.parse(source));
          return (inputs) => {
            const value = run(inputs);
            if (cel.isCelError(value)) throw new Error(String((value as { message?: unknown }).message ?? value));
            return typeof value === "bigint" ? Number(value) : value;
          };
        },
        // CEL has no implicit int/double conversion: `claim_rate_30m * 10` needs `10.0`.
        adapt: (source) => source.replaceAll(/\b(\d+)\b(?!\.)/g, "$1.0"),
      };
    },
  },
  {
    name: "@marcbachmann/cel-js 8.0.0",
    packages: ["@marcbachmann/cel-js@8.0.0"],
    async load() {
      interface CelEnvironment {
        registerVariable(name: string, type: string): CelEnvironment;
        registerFunction(signature: string, fn: (...args: number[]) => number): CelEnvironment;
        check(source: string): { valid: boolean; error?: { message: string } };
        parse(source: string): (context: object) => unknown;
      }
      const { Environment } = (await load("@marcbachmann/cel-js")) as { Environment: new (options?: object) => CelEnvironment };
      const env = new Environment();
      for (const name of TARGET_EXPRESSION_INPUTS) env.registerVariable(name, "double");
      env.registerFunction("clamp(double, double, double): double", clamp);
      for (const arity of [1, 2, 3, 4]) {
        const parameters = Array.from({ length: arity }, () => "double").join(", ");
        env.registerFunction(`min(${parameters}): double`, minimum);
        env.registerFunction(`max(${parameters}): double`, maximum);
      }
      for (const name of ["ceil", "floor", "round", "abs"] as const) env.registerFunction(`${name}(double): double`, FUNCTIONS[name]);
      return {
        compile(source) {
          const checked = env.check(source);
          if (!checked.valid) throw new Error(checked.error?.message ?? "invalid");
          const run = env.parse(source);
          return (inputs) => {
            const value = run(inputs);
            return typeof value === "bigint" ? Number(value) : value;
          };
        },
        adapt: (source) => source.replaceAll(/\b(\d+)\b(?!\.)/g, "$1.0"),
      };
    },
  },
  {
    name: "subscript 10.8.0 (justin)",
    packages: ["subscript@10.8.0"],
    async load() {
      const { default: justin } = (await load("subscript/justin")) as { default: (source: string) => (context: object) => unknown };
      // subscript finds functions in the context: one context per inputs object, made once.
      const contexts = new WeakMap<Inputs, object>();
      const contextOf = (inputs: Inputs): object => {
        let context = contexts.get(inputs);
        if (context === undefined) {
          context = { ...FUNCTIONS, ...inputs };
          contexts.set(inputs, context);
        }
        return context;
      };
      return {
        compile(source) {
          const run = justin(source);
          return (inputs) => run(contextOf(inputs));
        },
      };
    },
  },
];

// ── the probes ───────────────────────────────────────────────────────────────────────────────

function inputsWith(values: Partial<Record<keyof Inputs, number>>): Inputs {
  const zero = Object.fromEntries(TARGET_EXPRESSION_INPUTS.map((name) => [name, 0])) as Record<keyof Inputs, number>;
  return { ...zero, ...values };
}

const PROBE_INPUTS = inputsWith({ scheduled_target: 3, claim_rate_30m: 0.45, hour: 12, claims_60m: 25, misses_10m: 2, eligible: 3 });

const EXAMPLES = [
  "max(scheduled_target, ceil(claim_rate_30m * 10))",
  "hour >= 9 && hour < 17 ? clamp(claims_60m, 2, 20) : 0",
  "misses_10m > 0 ? eligible + misses_10m : scheduled_target",
] as const;

/** What expr-lang gives: a number, or "error" (any error, at compile or run time). */
const PROBES: readonly (readonly [string, number | "error"])[] = [
  [EXAMPLES[0], 5],
  [EXAMPLES[1], 20],
  [EXAMPLES[2], 5],
  ["7 + 2 * 3 - 1", 12],
  ["10 - 4 - 3", 3],
  ["7 / 2 * 2", 7],
  ["7 % 3", 1],
  ["-7 % 3", -1],
  ["2 ** 10", 1024],
  ["-2 ** 2", -4],
  ["1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 == 1 && 1 != 2 ? 1 : 0", 1],
  ["true || false && false ? 1 : 0", 1],
  ["!(1 > 2) ? 1 : 0", 1],
  ["true and not false or false ? 1 : 0", 1],
  ["false ? 1 : true ? 2 : 3", 2],
  ["2 == 2.0 ? 1 : 0", 1],
  ["3 > 2 > 1 ? 1 : 0", 1],
  ["round(-2.5)", -3],
  ["min(4, 2, 3) + max(1, 5, 2)", 7],
  ["1 ? 2 : 3", "error"],
  ["true + 1", "error"],
  ["5 % 0", "error"],
  ["5.5 % 2", "error"],
  ["unknown_name + 1", "error"],
];

type Outcome = { readonly stage: "compile" | "run"; readonly error: string } | { readonly stage: "value"; readonly value: unknown };

function outcomeOf(engine: Engine, source: string, inputs: Inputs): Outcome {
  let run: Evaluate;
  try {
    run = engine.compile(source);
  } catch (error) {
    return { stage: "compile", error: error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error) };
  }
  try {
    return { stage: "value", value: run(inputs) };
  } catch (error) {
    return { stage: "run", error: error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error) };
  }
}

/** "ok", or what differs from expr-lang. */
function verdict(expected: number | "error", outcome: Outcome): string {
  if (expected === "error") {
    if (outcome.stage === "value") return `no error, gave ${String(outcome.value)}`;
    return outcome.stage === "compile" ? "ok (compile error)" : "ok (run-time error)";
  }
  if (outcome.stage !== "value") return `${outcome.stage} error: ${outcome.error.slice(0, 70)}`;
  const value: unknown = typeof outcome.value === "boolean" ? Number(outcome.value) : outcome.value;
  return value === expected ? "ok" : `gave ${String(outcome.value)}`;
}

// ── timing ───────────────────────────────────────────────────────────────────────────────────

const HOURS = Array.from({ length: 24 }, (_, hour) => inputsWith({ scheduled_target: 3, claim_rate_30m: 0.45, hour, claims_60m: hour, misses_10m: hour % 3, eligible: 3 }));
const EVALUATIONS_PER_CALL = 240;

async function measure(name: string, fn: () => unknown): Promise<number> {
  const bench = new Bench({ time: 400, warmupTime: 100, throws: true });
  bench.add(name, fn);
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result === undefined || (result.state !== "completed" && result.state !== "aborted-with-statistics")) throw new Error(`${name} did not complete`);
  return result.latency.p50;
}

interface Costs {
  readonly parseMicroseconds: number;
  readonly evaluateMicroseconds: number;
  readonly note: string;
}

async function costs(candidate: Candidate, engine: Engine): Promise<Costs | string> {
  const sources = EXAMPLES.map((source) => {
    try {
      engine.compile(source)(PROBE_INPUTS);
      return { source, adapted: false };
    } catch {
      return { source: engine.adapt?.(source) ?? source, adapted: true };
    }
  });
  try {
    for (const { source } of sources) engine.compile(source)(PROBE_INPUTS);
  } catch (error) {
    return `not timed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
  }
  const parseMs = await measure(`${candidate.name} parse`, () => {
    for (const { source } of sources) engine.compile(source);
  });
  const programs = sources.map(({ source }) => engine.compile(source));
  let sink = 0;
  const evaluateMs = await measure(`${candidate.name} evaluate`, () => {
    for (let index = 0; index < EVALUATIONS_PER_CALL; index += 1) {
      const value = (programs[index % programs.length] as Evaluate)(HOURS[index % HOURS.length] as Inputs);
      sink += typeof value === "number" ? value : 1;
    }
  });
  if (sink < 0) console.log(sink);
  const adapted = sources.filter((entry) => entry.adapted).map((entry) => entry.source);
  return {
    parseMicroseconds: (parseMs * 1000) / sources.length,
    evaluateMicroseconds: (evaluateMs * 1000) / EVALUATIONS_PER_CALL,
    note: adapted.length === 0 ? "the examples as written" : `adapted: ${adapted.join(" | ")}`,
  };
}

/**
 * The chosen evaluator at the scale of the requirement: 10,000 presets, every one with an
 * expression, evaluated once per cycle with per-preset inputs; and the one-time cost of compiling
 * them all. Three cases: the presets share three expressions; each has its own expression but of
 * one of three shapes (the numbers differ, which is how presets are expected to differ); each has
 * an expression of its own shape (the worst case: no two share closures).
 */
async function tenThousandPresets(): Promise<void> {
  const PRESETS = 10_000;
  const shaped = (index: number, k: number, j: number): string => {
    switch (index % 3) {
      case 0:
        return `max(scheduled_target, ceil(claim_rate_30m * ${k + j / 1000}))`;
      case 1:
        return `hour >= 9 && hour < 17 ? clamp(claims_60m, ${k}, ${k + 20 + j}) : 0`;
      default:
        return `misses_10m > ${j} ? eligible + misses_10m : scheduled_target + ${k}`;
    }
  };
  const TERMS = ["claims_5m", "claims_10m", "claims_30m", "claims_60m", "misses_5m", "misses_10m", "running", "eligible"];
  const ownShape = (index: number): string => {
    // 14 bits of the index choose + or * between 15 terms: 10,000 different shapes.
    let text = "scheduled_target";
    for (let bit = 0; bit < 14; bit += 1) text += `${(index >> bit) & 1 ? " * " : " + "}${TERMS[bit % TERMS.length] ?? "running"}`;
    return `min(${text}, 100)`;
  };
  const cases: readonly (readonly [string, (index: number) => string])[] = [
    ["shared: 3 expressions", (index) => shaped(index, 7, 0)],
    ["own numbers: 10,000 expressions of 3 shapes", (index) => shaped(index, 1 + (index % 97), index)],
    ["own shape: 10,000 expressions of 10,000 shapes", ownShape],
  ];
  const inputs = Array.from({ length: PRESETS }, (_, index) =>
    inputsWith({ scheduled_target: index % 5, claim_rate_30m: 0.45, hour: index % 24, claims_60m: index % 30, misses_10m: index % 3, eligible: 3, claims_5m: index % 4 }),
  );
  console.log("## 10,000 presets (jsep + own bytecode)");
  let sink = 0;
  for (const [name, sourceOf] of cases) {
    const sources = Array.from({ length: PRESETS }, (_, index) => sourceOf(index));
    const started = performance.now();
    const compiled = sources.map((source) => {
      const result = compileTargetExpression(source);
      if (!result.ok) throw new Error(`${source}: ${result.message}`);
      return result.expression;
    });
    const compileMs = performance.now() - started;
    const cycleMs = await measure(`${name} evaluate`, () => {
      for (let index = 0; index < PRESETS; index += 1) {
        const result = evaluateTargetExpression(compiled[index] as (typeof compiled)[number], inputs[index] as Inputs);
        if (result.ok) sink += result.value;
      }
    });
    const lookupMs = await measure(`${name} look-up`, () => {
      for (const source of sources) sink += compileTargetExpression(source).ok ? 1 : 0;
    });
    console.log(`  ${name}`);
    console.log(`    first compile of all: ${compileMs.toFixed(1)} ms (once per process); cache look-ups: ${lookupMs.toFixed(2)} ms per cycle`);
    console.log(`    evaluate all: ${cycleMs.toFixed(2)} ms per cycle (median), ${((cycleMs * 1e6) / PRESETS).toFixed(0)} ns per preset`);
  }
  if (sink < 0) console.log(sink);
}

async function main(): Promise<void> {
  console.log(`Node ${process.version}; probes evaluated with ${JSON.stringify(Object.fromEntries(Object.entries(PROBE_INPUTS).filter(([, value]) => value !== 0)))} (other inputs 0)\n`);
  for (const candidate of CANDIDATES) {
    let engine: Engine;
    try {
      engine = await candidate.load();
    } catch {
      console.log(`## ${candidate.name}: not installed (npm i --no-save ${candidate.packages.join(" ")})\n`);
      continue;
    }
    console.log(`## ${candidate.name}`);
    let agreed = 0;
    for (const [source, expected] of PROBES) {
      const result = verdict(expected, outcomeOf(engine, source, PROBE_INPUTS));
      if (result.startsWith("ok")) agreed += 1;
      console.log(`  ${result.startsWith("ok") ? "✓" : "✗"} ${source.padEnd(62)} ${result}`);
    }
    console.log(`  ${agreed}/${PROBES.length} probes as expr-lang`);
    const measured = await costs(candidate, engine);
    if (typeof measured === "string") console.log(`  ${measured}\n`);
    else {
      console.log(`  parse ${measured.parseMicroseconds.toFixed(2)} µs per example, evaluate ${(measured.evaluateMicroseconds * 1000).toFixed(0)} ns per evaluation (median; ${measured.note})\n`);
    }
  }
}

// `--scale` runs only the 10,000-preset figures, `--candidates` only the comparison.
if (!process.argv.includes("--scale")) await main();
if (!process.argv.includes("--candidates")) await tenThousandPresets();
