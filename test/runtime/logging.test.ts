import pino from "pino";
import { describe, expect, it } from "vitest";
import { jsonLineLogger, Reconciler } from "../../src/index.js";
import { makeWorld, memoryPreset, SYSTEM_USER } from "./world.js";

/** A pino destination that keeps each line; pino writes one JSON object per line. */
function memoryDestination(): { write(line: string): void; readonly lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write: (chunk) => {
      for (const line of chunk.split("\n")) if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
}

/** A cycle that logs at every level: a create, a provisioner failure, a status change to the hard limit. */
async function runCycles(logger: ConstructorParameters<typeof Reconciler>[0]["logger"]) {
  const world = makeWorld([memoryPreset("eu", { name: "eu-small", desiredInstances: 1 }), memoryPreset("gpu", { name: "gpu-large", desiredInstances: 1 })]);
  world.provisionerFailures.set("createPrebuilds", (args) => ((args[0] as { id: string }).id === "gpu" ? new Error("provisioner unreachable") : undefined));
  const reconciler = new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER, ...(logger === undefined ? {} : { logger }) });
  await reconciler.reconcileOnce();
}

describe("Logger — pino as it is", () => {
  it("keeps every structured field of the reconciler's lines, with pino's levels and message key", async () => {
    const destination = memoryDestination();
    await runCycles(pino({ level: "debug", base: null, timestamp: false }, destination));
    const byMessage = (message: string) => destination.lines.filter((line) => line["msg"] === message);
    expect(byMessage("prebuilds membership added")).toEqual([
      { level: 30, organizationId: "org-1", step: "member", msg: "prebuilds membership added" },
      { level: 30, organizationId: "org-1", step: "group", msg: "prebuilds membership added" },
      { level: 30, organizationId: "org-1", step: "groupMember", msg: "prebuilds membership added" },
    ]);
    const [create] = destination.lines.filter((line) => line["action"] === "create");
    expect(create).toEqual({
      level: 30,
      presetId: "eu",
      presetName: "eu-small",
      templateId: "template-1",
      organizationId: "org-1",
      action: "create",
      count: 1,
      probe: false,
      msg: create?.["msg"],
    });
    expect(typeof create?.["msg"]).toBe("string");
    expect(byMessage("provisioner.createPrebuilds failed")).toEqual([
      {
        level: 50,
        presetId: "gpu",
        presetName: "gpu-large",
        templateId: "template-1",
        organizationId: "org-1",
        operation: "provisioner.createPrebuilds",
        error: "provisioner unreachable",
        msg: "provisioner.createPrebuilds failed",
      },
    ]);
    expect(byMessage("reconciliation cycle done")).toEqual([{ level: 20, presetsReconciled: 2, errors: 1, durationMs: 0, msg: "reconciliation cycle done" }]);
  });

  it("writes, line for line, the same fields as jsonLineLogger does for the same cycle", async () => {
    const destination = memoryDestination();
    await runCycles(pino({ level: "debug", base: null, timestamp: false }, destination));
    const reference: Record<string, unknown>[] = [];
    await runCycles(jsonLineLogger((line) => void reference.push(JSON.parse(line) as Record<string, unknown>)));
    const levels: Record<number, string> = { 20: "debug", 30: "info", 40: "warn", 50: "error" };
    const fromPino = destination.lines.map(({ level, msg, ...fields }) => ({ level: levels[level as number], message: msg, ...fields }));
    expect(fromPino).toEqual(reference);
    expect(reference.length).toBe(6);
  });

  it("writes the same fields through jsonLineLogger, fields after level and message", async () => {
    const lines: Record<string, unknown>[] = [];
    await runCycles(jsonLineLogger((line) => void lines.push(JSON.parse(line) as Record<string, unknown>)));
    expect(lines.filter((line) => line["message"] === "provisioner.createPrebuilds failed")).toEqual([
      {
        level: "error",
        message: "provisioner.createPrebuilds failed",
        presetId: "gpu",
        presetName: "gpu-large",
        templateId: "template-1",
        organizationId: "org-1",
        operation: "provisioner.createPrebuilds",
        error: "provisioner unreachable",
      },
    ]);
    expect(lines.filter((line) => line["message"] === "reconciliation cycle done")).toEqual([{ level: "debug", message: "reconciliation cycle done", presetsReconciled: 2, errors: 1, durationMs: 0 }]);
  });
});
