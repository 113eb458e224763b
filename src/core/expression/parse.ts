/**
 * Parsing target expressions with jsep, configured for expr-lang's grammar.
 *
 * jsep keeps its configuration (operators, literals, hooks) in static fields shared by everyone in
 * the process who imports it, host code included. So the grammar below is swapped in for the
 * duration of one synchronous parse and the previous configuration is put back in `finally`:
 * nothing else can run in between, and a host's own jsep set-up is never changed.
 *
 * jsep does the lexing of numbers and names, the operator-precedence parsing of binary
 * operators and the unary prefixes. Three hooks add what expr-lang has and jsep does not:
 * parentheses are kept as nodes (so that `(a < b) == c` is not read as the chain `a < b == c`,
 * and `(-2) ** 2` not as `-2 ** 2`), calls take exactly comma-separated arguments, and
 * `cond ? a : b` nests to the right. The same hooks count the nesting and stop the parse before
 * it gets deep.
 */

import jsep from "jsep";
import {
  type ArithmeticOperator,
  type ComparisonOperator,
  columnOf,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  type SyntaxNode,
  type UnaryOperator,
} from "./syntax.js";

/** The result of parsing: the syntax tree, or a message saying what is wrong and where. */
export type ParseResult = { readonly ok: true; readonly tree: SyntaxNode } | { readonly ok: false; readonly message: string };

/** A node as jsep (and the hooks below) build it, with the span the hooks add to tokens. */
interface RawNode {
  type: string;
  start?: number;
  end?: number;
  value?: unknown;
  raw?: string;
  name?: string;
  operator?: string;
  argument?: RawNode;
  left?: RawNode;
  right?: RawNode;
  test?: RawNode;
  consequent?: RawNode;
  alternate?: RawNode;
  expression?: RawNode;
  callee?: RawNode;
  arguments?: RawNode[];
  elements?: (RawNode | null)[];
  object?: RawNode;
  property?: RawNode;
  body?: RawNode[];
  expressions?: RawNode[];
}

/** The parts of a jsep parser instance the hooks use (all public in jsep's hook API). */
interface JsepParser {
  index: number;
  readonly expr: string;
  readonly code: number;
  gobbleSpaces(): void;
  gobbleExpression(): RawNode | false | undefined;
  gobbleNumericLiteral(): RawNode;
  throwError(message: string): never;
}

interface HookEnvironment {
  node?: RawNode | false | undefined;
  context?: JsepParser;
}

type Hook = (this: JsepParser, environment: HookEnvironment) => void;

interface HookTable {
  readonly "gobble-token": readonly Hook[];
  readonly "after-token": readonly Hook[];
  readonly "after-expression": readonly Hook[];
  run(name: string, environment: HookEnvironment): void;
}

/** jsep's static configuration: the fields a parse reads. */
interface JsepConfiguration {
  unary_ops: Record<string, number>;
  binary_ops: Record<string, number>;
  right_associative: Set<string>;
  additional_identifier_chars: Set<string>;
  literals: Record<string, unknown>;
  this_str: string;
  hooks: unknown;
  max_unop_len: number;
  max_binop_len: number;
}

interface JsepClass extends JsepConfiguration {
  new (source: string): JsepParser;
  isIdentifierStart(code: number): boolean;
  isIdentifierPart(code: number): boolean;
}

const Jsep = (jsep as unknown as { readonly Jsep: JsepClass }).Jsep;

const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const COMMA = 44;
const PERIOD = 46;
const COLON = 58;
const QUESTION = 63;

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(["==", "!=", "<", "<=", ">", ">="]);
const ARITHMETIC_OPERATORS: Readonly<Record<string, ArithmeticOperator>> = { "+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "**": "**", "^": "**" };
const LOGICAL_OPERATORS: Readonly<Record<string, "&&" | "||">> = { "&&": "&&", and: "&&", "||": "||", or: "||" };
const UNARY_OPERATORS: Readonly<Record<string, UnaryOperator>> = { "-": "-", "+": "+", "!": "!", not: "!" };

// Per-parse state. Parsing is synchronous and the hooks never start another parse, so one set of
// module variables, reset at the start of each parse, is enough.
let tokenStarts: number[] = [];
let nesting = 0;

function enter(parser: JsepParser): void {
  nesting += 1;
  if (nesting > MAX_EXPRESSION_DEPTH) parser.throwError(`the expression nests more than ${MAX_EXPRESSION_DEPTH} levels deep`);
}

/** The current character code; a call, so that TypeScript does not keep a narrowing across parser moves. */
function current(parser: JsepParser): number {
  return parser.code;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `( expression )`, kept as a node of its own. */
function gobbleGroup(parser: JsepParser): RawNode {
  const start = parser.index;
  parser.index += 1;
  parser.gobbleSpaces();
  if (current(parser) === CLOSE_PAREN) parser.throwError('empty parentheses "()"');
  const expression = parser.gobbleExpression();
  if (!expression) parser.throwError('expected an expression after "("');
  if (current(parser) !== CLOSE_PAREN) parser.throwError(parser.index >= parser.expr.length ? 'missing ")"' : 'expected ")"');
  parser.index += 1;
  return { type: "Parenthesized", expression, start, end: parser.index };
}

/** `name(argument, …)`: arguments separated by commas, a trailing comma allowed as in expr-lang. */
function gobbleCall(parser: JsepParser, callee: RawNode): RawNode {
  parser.index += 1;
  const args: RawNode[] = [];
  for (;;) {
    parser.gobbleSpaces();
    if (parser.index >= parser.expr.length) parser.throwError(`missing ")" after the arguments of ${callee.name ?? "the call"}`);
    if (current(parser) === CLOSE_PAREN) break;
    if (args.length > 0) {
      if (current(parser) !== COMMA) parser.throwError('expected "," or ")" between arguments');
      parser.index += 1;
      parser.gobbleSpaces();
      if (current(parser) === CLOSE_PAREN) break;
    }
    const argument = parser.gobbleExpression();
    if (!argument) parser.throwError("expected an argument");
    args.push(argument);
  }
  parser.index += 1;
  return { type: "CallExpression", callee, arguments: args, start: callee.start ?? 0, end: parser.index };
}

/** A word: a name, a call, `true`/`false`, or (left to jsep) the prefix operator `not`. */
function gobbleWord(parser: JsepParser): RawNode | undefined {
  const source = parser.expr;
  const start = parser.index;
  let end = start + 1;
  while (end < source.length && Jsep.isIdentifierPart(source.charCodeAt(end))) end += 1;
  const word = source.slice(start, end);
  if (word === "not") {
    if (end >= source.length) parser.throwError('expected an operand after "not"');
    return undefined;
  }
  if (word === "and" || word === "or") parser.throwError(`expected an operand before "${word}"`);
  parser.index = end;
  if (word === "true" || word === "false") return { type: "Literal", value: word === "true", raw: word, start, end };
  const name: RawNode = { type: "Identifier", name: word, start, end };
  parser.gobbleSpaces();
  return current(parser) === OPEN_PAREN ? gobbleCall(parser, name) : name;
}

const gobbleTokenHook: Hook = function (environment) {
  tokenStarts.push(this.index);
  enter(this);
  const code = current(this);
  if (code === OPEN_PAREN) environment.node = gobbleGroup(this);
  else if (isDigit(code) || code === PERIOD) environment.node = this.gobbleNumericLiteral();
  else if (Jsep.isIdentifierStart(code)) {
    const node = gobbleWord(this);
    if (node !== undefined) environment.node = node;
  }
};

const afterTokenHook: Hook = function (environment) {
  const start = tokenStarts.pop();
  nesting -= 1;
  const node = environment.node;
  if (node && node.start === undefined) {
    node.start = start ?? 0;
    node.end = this.index;
  }
};

/** `test ? consequent : alternate`, after a complete expression; right-associative. */
const afterExpressionHook: Hook = function (environment) {
  const test = environment.node;
  if (!test || current(this) !== QUESTION) return;
  enter(this);
  this.index += 1;
  const consequent = this.gobbleExpression();
  if (!consequent) this.throwError('expected an expression after "?"');
  if (current(this) !== COLON) this.throwError('expected ":" after the first branch of "?"');
  this.index += 1;
  const alternate = this.gobbleExpression();
  if (!alternate) this.throwError('expected an expression after ":"');
  nesting -= 1;
  environment.node = { type: "ConditionalExpression", test, consequent, alternate };
};

const HOOKS: HookTable = {
  "gobble-token": [gobbleTokenHook],
  "after-token": [afterTokenHook],
  "after-expression": [afterExpressionHook],
  run(name, environment) {
    const hooks = name === "gobble-token" || name === "after-token" || name === "after-expression" ? this[name] : [];
    for (const hook of hooks) hook.call(environment.context as JsepParser, environment);
  },
};

// expr-lang's operators and precedences (higher binds tighter); `**` and `^` group to the right.
const GRAMMAR: JsepConfiguration = {
  unary_ops: { "-": 1, "+": 1, "!": 1, not: 1 },
  binary_ops: {
    or: 10,
    "||": 10,
    and: 15,
    "&&": 15,
    "==": 20,
    "!=": 20,
    "<": 20,
    "<=": 20,
    ">": 20,
    ">=": 20,
    "+": 30,
    "-": 30,
    "*": 60,
    "/": 60,
    "%": 60,
    "**": 100,
    "^": 100,
  },
  right_associative: new Set(["**", "^"]),
  additional_identifier_chars: new Set(["_", "$"]),
  literals: {},
  this_str: "",
  hooks: HOOKS,
  max_unop_len: 3,
  max_binop_len: 3,
};

const CONFIGURATION_KEYS = Object.keys(GRAMMAR) as (keyof JsepConfiguration)[];

function swapConfiguration(next: JsepConfiguration): JsepConfiguration {
  const previous = {} as Record<keyof JsepConfiguration, unknown>;
  const target = Jsep as unknown as Record<keyof JsepConfiguration, unknown>;
  for (const key of CONFIGURATION_KEYS) {
    previous[key] = target[key];
    target[key] = next[key];
  }
  return previous as unknown as JsepConfiguration;
}

/** The word or the single character at `index`, to quote in a message. */
function tokenAt(source: string, index: number): string {
  let end = index + 1;
  if (Jsep.isIdentifierStart(source.charCodeAt(index))) {
    while (end < source.length && Jsep.isIdentifierPart(source.charCodeAt(end))) end += 1;
  }
  return source.slice(index, end);
}

function parseRaw(source: string): RawNode | string {
  tokenStarts = [];
  nesting = 0;
  const previous = swapConfiguration(GRAMMAR);
  try {
    const parser = new Jsep(source);
    const node = parser.gobbleExpression();
    if (!node || parser.index < source.length) return `unexpected "${tokenAt(source, parser.index)}" at column ${columnOf(parser.index)}`;
    return node;
  } catch (error) {
    if (error instanceof Error && typeof (error as { index?: unknown }).index === "number") {
      const { description, index } = error as Error & { description?: string; index: number };
      return `${description ?? error.message} at column ${columnOf(index)}`;
    }
    return `could not parse the expression: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    swapConfiguration(previous);
  }
}

function childrenOf(node: RawNode): RawNode[] {
  const children: RawNode[] = [];
  for (const child of [node.argument, node.left, node.right, node.test, node.consequent, node.alternate, node.expression, node.object, node.property]) {
    if (child) children.push(child);
  }
  for (const list of [node.arguments, node.elements, node.body, node.expressions]) {
    for (const child of list ?? []) if (child) children.push(child);
  }
  return children;
}

/** Binary operators are parsed without recursion, so a long `a + a + …` is checked here, without recursion too. */
function tooDeep(root: RawNode): boolean {
  const pending: [RawNode, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > MAX_EXPRESSION_DEPTH) return true;
    for (const child of childrenOf(node)) pending.push([child, depth + 1]);
  }
  return false;
}

class SyntaxFault {
  constructor(readonly message: string) {}
}

function at(node: RawNode): string {
  return `at column ${columnOf(node.start ?? 0)}`;
}

function rawText(source: string, node: RawNode): string {
  return source.slice(node.start ?? 0, node.end ?? source.length).trim();
}

function binary(operator: string, left: RawNode, right: RawNode): RawNode {
  return { type: "BinaryExpression", operator, left, right };
}

function convert(node: RawNode, source: string): SyntaxNode {
  switch (node.type) {
    case "Literal": {
      const start = node.start ?? 0;
      const end = node.end ?? start;
      if (typeof node.value === "number") return { kind: "number", value: node.value, start, end };
      if (typeof node.value === "boolean") return { kind: "boolean", value: node.value, start, end };
      throw new SyntaxFault(`text strings such as ${rawText(source, node)} are not supported (${at(node)})`);
    }
    case "Identifier":
      return { kind: "name", name: node.name ?? "", start: node.start ?? 0, end: node.end ?? 0 };
    case "Parenthesized": {
      const inner = convert(node.expression as RawNode, source);
      return { ...inner, start: node.start ?? inner.start, end: node.end ?? inner.end };
    }
    case "UnaryExpression": {
      const spelling = node.operator ?? "";
      const operator = UNARY_OPERATORS[spelling];
      if (operator === undefined) throw new SyntaxFault(`unsupported operator "${spelling}" ${at(node)}`);
      const operand = convert(node.argument as RawNode, source);
      return { kind: "unary", operator, spelling, operand, start: node.start ?? operand.start, end: operand.end };
    }
    case "BinaryExpression":
      return convertBinary(node, source);
    case "ConditionalExpression": {
      const test = convert(node.test as RawNode, source);
      const consequent = convert(node.consequent as RawNode, source);
      const alternate = convert(node.alternate as RawNode, source);
      return { kind: "conditional", test, consequent, alternate, start: test.start, end: alternate.end };
    }
    case "CallExpression": {
      const args = (node.arguments ?? []).map((argument) => convert(argument, source));
      return { kind: "call", callee: node.callee?.name ?? "", arguments: args, start: node.start ?? 0, end: node.end ?? 0 };
    }
    case "ArrayExpression":
      throw new SyntaxFault(`lists such as ${rawText(source, node)} are not supported (${at(node)})`);
    case "MemberExpression":
      throw new SyntaxFault(`member access such as ${rawText(source, node)} is not supported (${at(node)})`);
    default:
      throw new SyntaxFault(`unsupported syntax ${rawText(source, node)} (${at(node)})`);
  }
}

function convertBinary(node: RawNode, source: string): SyntaxNode {
  const spelling = node.operator ?? "";
  const left = node.left as RawNode;
  const right = node.right as RawNode;
  const arithmetic = ARITHMETIC_OPERATORS[spelling];
  if (arithmetic === "**" && left.type === "UnaryExpression" && (left.operator === "-" || left.operator === "+")) {
    // jsep binds a prefix operator to its token, expr-lang lets `**` bind tighter: -2 ** 2 is -(2 ** 2).
    const operand = convert(binary(spelling, left.argument as RawNode, right), source);
    const operator = left.operator;
    return { kind: "unary", operator, spelling: operator, operand, start: left.start ?? operand.start, end: operand.end };
  }
  if (arithmetic !== undefined) {
    const leftNode = convert(left, source);
    const rightNode = convert(right, source);
    return { kind: "arithmetic", operator: arithmetic, spelling, left: leftNode, right: rightNode, start: leftNode.start, end: rightNode.end };
  }
  const logical = LOGICAL_OPERATORS[spelling];
  if (logical !== undefined) {
    const leftNode = convert(left, source);
    const rightNode = convert(right, source);
    return { kind: "logical", operator: logical, spelling, left: leftNode, right: rightNode, start: leftNode.start, end: rightNode.end };
  }
  if (COMPARISON_OPERATORS.has(spelling)) {
    // Comparisons share one precedence and chain as in expr-lang: a < b <= c is a < b && b <= c.
    // A parenthesized comparison is a "Parenthesized" node, so it ends the chain.
    const operators: ComparisonOperator[] = [];
    const rightOperands: RawNode[] = [];
    let current = node;
    while (current.type === "BinaryExpression" && COMPARISON_OPERATORS.has(current.operator ?? "")) {
      operators.push(current.operator as ComparisonOperator);
      rightOperands.push(current.right as RawNode);
      current = current.left as RawNode;
    }
    operators.reverse();
    const operands = [current, ...rightOperands.reverse()].map((operand) => convert(operand, source));
    const first = operands[0] as SyntaxNode;
    const last = operands[operands.length - 1] as SyntaxNode;
    return { kind: "comparison", operators, operands, start: first.start, end: last.end };
  }
  throw new SyntaxFault(`unsupported operator "${spelling}"`);
}

/**
 * Parses a target expression into a syntax tree, or says what is wrong with it. Checks the length
 * and nesting limits; does not check names or types.
 */
export function parseTargetExpression(source: string): ParseResult {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, message: `the expression is ${source.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are allowed` };
  }
  if (source.trim() === "") return { ok: false, message: "the expression is empty" };
  const raw = parseRaw(source);
  if (typeof raw === "string") return { ok: false, message: raw };
  if (tooDeep(raw)) return { ok: false, message: `the expression nests more than ${MAX_EXPRESSION_DEPTH} levels deep` };
  try {
    return { ok: true, tree: convert(raw, source) };
  } catch (error) {
    if (error instanceof SyntaxFault) return { ok: false, message: error.message };
    throw error;
  }
}
