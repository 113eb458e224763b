import { describe, expectTypeOf, it } from "vitest";
import {
  calculateActions,
  findMatchingPreset,
  planCycle,
  type CyclePlan,
  type GlobalSnapshot,
  type Preset,
  type PresetSnapshot,
  type ReconciliationAction,
  type ReconciliationActionType,
  type RunningPrebuild,
  type ValidationIssue,
  SnapshotValidationError,
  validatePreset,
} from "../src/index.js";

describe("public types", () => {
  it("narrows actions by their type", () => {
    expectTypeOf<ReconciliationActionType>().toEqualTypeOf<"create" | "delete" | "backoff" | "cancelPending">();
    expectTypeOf<Extract<ReconciliationAction, { type: "create" }>["count"]>().toEqualTypeOf<number>();
    expectTypeOf<Extract<ReconciliationAction, { type: "delete" }>["workspaceIds"]>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Extract<ReconciliationAction, { type: "backoff" }>["until"]>().toEqualTypeOf<Date>();
  });

  it("lets a host switch exhaustively over actions", () => {
    const describeAction = (action: ReconciliationAction): string => {
      switch (action.type) {
        case "create":
          return `create ${action.count}`;
        case "delete":
          return `delete ${action.workspaceIds.join(",")}`;
        case "backoff":
          return `until ${action.until.toISOString()}`;
        case "cancelPending":
          return `cancel ${action.count}`;
        default: {
          const unreachable: never = action;
          return unreachable;
        }
      }
    };
    expectTypeOf(describeAction).returns.toEqualTypeOf<string>();
  });

  it("keeps inputs readonly", () => {
    const snapshot = {} as PresetSnapshot;
    // @ts-expect-error running is a readonly array
    snapshot.running.push({} as RunningPrebuild);
    // @ts-expect-error presets are readonly
    ({} as GlobalSnapshot).presets = [];
    expectTypeOf(calculateActions).returns.toEqualTypeOf<readonly ReconciliationAction[]>();
  });

  it("accepts a partial policy and the spec's optional preset fields", () => {
    expectTypeOf(planCycle).parameter(2).toEqualTypeOf<Partial<import("../src/index.js").ReconcilePolicy> | undefined>();
    expectTypeOf<Preset["ttlSeconds"]>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<CyclePlan["presets"][number]["blocked"]>().toEqualTypeOf<"hardLimited" | "validationFailed" | null>();
  });

  it("exposes validation issues with paths", () => {
    expectTypeOf(validatePreset).returns.toEqualTypeOf<ValidationIssue[]>();
    expectTypeOf<SnapshotValidationError["issues"]>().toEqualTypeOf<readonly ValidationIssue[]>();
    expectTypeOf<SnapshotValidationError["code"]>().toEqualTypeOf<"SNAPSHOT_INVALID">();
  });

  it("returns the caller's preset type from findMatchingPreset", () => {
    const presets = [{ id: "a", parameters: { region: "eu" }, extra: 1 }];
    expectTypeOf(findMatchingPreset(presets, {})).toEqualTypeOf<{ id: string; parameters: { region: string }; extra: number } | null>();
  });
});
