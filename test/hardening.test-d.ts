import { describe, expectTypeOf, it } from "vitest";
import {
  planCycle,
  Reconciler,
  type BackoffPolicy,
  type CyclePlan,
  type FencedCallContext,
  type PresetPlan,
  type Provisioner,
  type ReconcilePolicy,
  type ReconcileStats,
  type ReconciliationState,
  type Store,
} from "../src/index.js";

describe("public types of this round (SPEC §11, §12)", () => {
  it("refuses a misspelt policy setting at compile time, as validatePolicy does at run time", () => {
    const clock = { now: () => new Date() };
    // @ts-expect-error maxCreatePerCycle is not a setting (maxCreatesPerCycle is)
    planCycle({} as never, clock, { maxCreatePerCycle: 3 });
    planCycle({} as never, clock, { maxCreatesPerCycle: 3, backoff: { kind: "exponential", capMs: 600_000 } });
  });

  it("makes the exponential backoff name its cap", () => {
    // @ts-expect-error an exponential backoff needs capMs
    const missingCap: BackoffPolicy = { kind: "exponential" };
    void missingCap;
    expectTypeOf<ReconcilePolicy["hardLimitRetryMs"]>().toEqualTypeOf<number | null | undefined>();
  });

  it("says where a desired count came from", () => {
    expectTypeOf<ReconciliationState["targetSource"]>().toEqualTypeOf<"scheduled" | "expression" | "expressionFallback">();
    expectTypeOf<ReconciliationState["expressionError"]>().toEqualTypeOf<string | null>();
  });

  it("carries what the runtime needs in the plan", () => {
    expectTypeOf<PresetPlan["nextChangeAt"]>().toEqualTypeOf<Date | null>();
    expectTypeOf<CyclePlan["statusChanges"][number]["to"]>().toEqualTypeOf<"normal" | "hardLimited" | "validationFailed">();
  });

  it("hands every side effect a signal and the lease's fencing token", () => {
    expectTypeOf<Parameters<Provisioner["createPrebuilds"]>[2]>().toEqualTypeOf<FencedCallContext | undefined>();
    expectTypeOf<FencedCallContext["signal"]>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<FencedCallContext["fencingToken"]>().toEqualTypeOf<string | null>();
  });

  it("refuses a store whose lock still takes work without a lease", () => {
    const oldStyle = { withReconciliationLock: <T>(work: () => Promise<T>) => work().then((value) => ({ acquired: true as const, value })) };
    // @ts-expect-error the work of a lock now receives the lease
    const store: Pick<Store, "withReconciliationLock"> = oldStyle;
    void store;
  });

  it("reports why a cycle stopped short", () => {
    expectTypeOf<ReconcileStats["interruptedBy"]>().toEqualTypeOf<"cycleDeadline" | "stopped" | "lockLost" | null>();
    expectTypeOf<ReturnType<Reconciler["health"]>["lock"]>().toEqualTypeOf<"held" | "heldByAnother" | "unknown">();
  });
});
