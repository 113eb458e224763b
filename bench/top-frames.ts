/**
 * Prints the top frames of a V8 .cpuprofile by self time and by total (inclusive) time.
 * Usage: node --import tsx bench/top-frames.ts <file.cpuprofile | directory> [rows]
 * Given a directory, reads its largest .cpuprofile (the main thread's; a tsx run also writes one
 * for its loader thread).
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [target, rowsText = "25"] = process.argv.slice(2);
if (target === undefined) throw new Error("usage: top-frames.ts <file.cpuprofile | directory> [rows]");
const file = statSync(target).isDirectory()
  ? readdirSync(target)
      .filter((name) => name.endsWith(".cpuprofile"))
      .map((name) => join(target, name))
      .sort((left, right) => statSync(right).size - statSync(left).size)[0]
  : target;
if (file === undefined) throw new Error(`no .cpuprofile in ${target}`);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const label = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === "" ? "" : ` ${url.replace(/^file:\/\/.*?\/(src|bench|node_modules)\//, "$1/")}:${lineNumber + 1}`;
  return `${functionName === "" ? "(anonymous)" : functionName}${where}`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((sample, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  all += delta;
  const node = byId.get(sample);
  if (node === undefined) return;
  self.set(label(node), (self.get(label(node)) ?? 0) + delta);
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
    const ancestor = byId.get(id);
    if (ancestor === undefined) break;
    const name = label(ancestor);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + delta);
  }
});

const rows = Number(rowsText);
const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled)`);
  for (const [name, micros] of [...map].sort((left, right) => right[1] - left[1]).slice(0, rows)) {
    console.log(`${((100 * micros) / all).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
};
print("self time", self);
print("total time", total);
