// Runs the commands shown in the documentation and compares what they print with what the page
// says they print. Only blocks marked with a `<!-- check -->` comment on the line before are run;
// other examples (usage lines, sketches with made-up file names) are left alone.
//
// In a marked block, a line starting with "$ " is a command, run with bash from the repository
// root with NO_COLOR=1, and the lines up to the next command are its expected output (stdout and
// stderr together). The commands of one block run in one shell, so `$ echo $?` reports the
// command before it. Trailing spaces and trailing blank lines are not compared.
//
// Usage: node scripts/check-docs.mjs [--update] [file.md …]   (default: README.md, docs/*.md, examples/README.md)
// Needs the built CLI (npm run build). Exits 1 on any difference, with a diff of each. With
// --update, writes what the commands print into the pages instead (review the diff before committing).

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const MARKER = /^<!--\s*check(?::[^>]*)?\s*-->\s*$/;
const CONTEXT = 2;

/** The marked blocks of a Markdown file: where each starts and its commands with their expected output. */
function markedBlocks(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!MARKER.test(lines[index] ?? "")) continue;
    const fence = index + 1;
    if (!/^```/.test(lines[fence] ?? "")) throw new Error(`${relative(root, file)}:${index + 1}: a check marker must be followed by a fenced block`);
    const commands = [];
    let line = fence + 1;
    for (; line < lines.length && !/^```\s*$/.test(lines[line] ?? ""); line += 1) {
      const text = lines[line] ?? "";
      if (text.startsWith("$ ")) commands.push({ line: line + 1, command: text.slice(2), expected: [] });
      else if (commands.length === 0) throw new Error(`${relative(root, file)}:${line + 1}: a checked block must start with a "$ " command`);
      else commands[commands.length - 1]?.expected.push(text);
    }
    if (line >= lines.length) throw new Error(`${relative(root, file)}:${fence + 1}: the checked block is not closed`);
    blocks.push({ line: fence + 1, commands });
    index = line;
  }
  return blocks;
}

/** Runs a block's commands in one bash and returns each command's output lines. */
function run(commands) {
  const separator = `@@docs-check-${randomBytes(8).toString("hex")}@@`;
  const script = ["exec 2>&1", ...commands.flatMap(({ command }) => [command, `__status=$?; printf '\\n%s\\n' '${separator}'; (exit $__status)`])].join("\n");
  const result = spawnSync("bash", ["-c", script], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  const outputs = result.stdout.split(`\n${separator}\n`);
  return commands.map((_, index) => (outputs[index] ?? "").split("\n"));
}

/** Lines compared without trailing spaces, and without trailing blank lines. */
function normalized(lines) {
  const trimmed = lines.map((line) => line.replace(/\s+$/, ""));
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === "") trimmed.pop();
  return trimmed;
}

/** A line diff (longest common subsequence) with a little context: "-" documented, "+" printed. */
function diff(expected, actual) {
  const rows = expected.length;
  const columns = actual.length;
  const common = Array.from({ length: rows + 1 }, () => new Array(columns + 1).fill(0));
  for (let row = rows - 1; row >= 0; row -= 1) {
    for (let column = columns - 1; column >= 0; column -= 1) {
      common[row][column] = expected[row] === actual[column] ? common[row + 1][column + 1] + 1 : Math.max(common[row + 1][column], common[row][column + 1]);
    }
  }
  const edits = [];
  let row = 0;
  let column = 0;
  while (row < rows || column < columns) {
    if (row < rows && column < columns && expected[row] === actual[column]) {
      edits.push({ kind: " ", text: expected[row] });
      row += 1;
      column += 1;
    } else if (row < rows && (column === columns || common[row + 1][column] >= common[row][column + 1])) {
      edits.push({ kind: "-", text: expected[row] });
      row += 1;
    } else {
      edits.push({ kind: "+", text: actual[column] });
      column += 1;
    }
  }
  const near = edits.map((_, index) => edits.slice(Math.max(0, index - CONTEXT), index + CONTEXT + 1).some((edit) => edit.kind !== " "));
  const lines = [];
  edits.forEach((edit, index) => {
    if (near[index]) lines.push(`    ${edit.kind} ${edit.text}`);
    else if (near[index - 1]) lines.push("    …");
  });
  return lines.join("\n");
}

function defaultFiles() {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(root, "docs", name));
  return [join(root, "README.md"), ...docs, join(root, "examples", "README.md")];
}

if (!existsSync(join(root, "dist", "cli.js"))) {
  console.error("docs:check: dist/cli.js is missing; build first (npm run build)");
  process.exit(2);
}
const update = process.argv.includes("--update");
const named = process.argv.slice(2).filter((argument) => argument !== "--update");
const files = named.length > 0 ? named.map((file) => join(process.cwd(), file)) : defaultFiles();
let checked = 0;
let blockCount = 0;
const failures = [];
for (const file of files) {
  const replacements = [];
  for (const block of markedBlocks(file)) {
    blockCount += 1;
    const outputs = run(block.commands);
    block.commands.forEach(({ line, command, expected }, index) => {
      checked += 1;
      const documented = normalized(expected);
      const printed = normalized(outputs[index] ?? []);
      if (documented.join("\n") === printed.join("\n")) return;
      failures.push(`${relative(root, file)}:${line}: $ ${command}\n${diff(documented, printed)}`);
      replacements.push({ from: line, count: expected.length, lines: printed });
    });
  }
  if (update && replacements.length > 0) {
    // From the bottom up, so that earlier line numbers stay right.
    const lines = readFileSync(file, "utf8").split("\n");
    for (const { from, count, lines: printed } of replacements.reverse()) lines.splice(from, count, ...printed);
    writeFileSync(file, lines.join("\n"));
    console.log(`docs:check: updated ${replacements.length} output${replacements.length === 1 ? "" : "s"} in ${relative(root, file)}`);
  }
}
for (const failure of failures) console.log(`${failure}\n`);
console.log(`docs:check: ${checked - failures.length} of ${checked} documented commands (${blockCount} blocks) print what the docs say`);
process.exit(failures.length === 0 || update ? 0 : 1);
