import pino from "pino";
import { describe, expectTypeOf, it } from "vitest";
import { jsonLineLogger, Reconciler, type LogFields, type Logger } from "../src/index.js";
import type { InMemoryStore, SimulatedProvisioner } from "../src/testing.js";

declare const store: InMemoryStore;
declare const provisioner: SimulatedProvisioner;

describe("Logger types", () => {
  it("accepts a pino logger as it is, and jsonLineLogger", () => {
    const logger: Logger = pino();
    expectTypeOf(pino()).toExtend<Logger>();
    expectTypeOf(jsonLineLogger()).toEqualTypeOf<Logger>();
    expectTypeOf(new Reconciler({ store, provisioner, logger: pino({ level: "debug" }), systemUserId: "prebuilds" })).toEqualTypeOf<Reconciler>();
    expectTypeOf(logger.info).parameters.toEqualTypeOf<[LogFields, string]>();
  });

  it("refuses a logger that takes the message first: its fields would be lost", () => {
    const messageFirst = (message: string, fields?: LogFields) => console.log(message, fields);
    const wrong = { debug: messageFirst, info: messageFirst, warn: messageFirst, error: messageFirst };
    expectTypeOf(wrong).not.toExtend<Logger>();
    // @ts-expect-error (message, fields) is the wrong way round for a Logger
    const logger: Logger = wrong;
    // @ts-expect-error the same logger, passed straight to the Reconciler
    new Reconciler({ store, provisioner, logger: wrong, systemUserId: "prebuilds" });
    expectTypeOf(logger).toEqualTypeOf<Logger>();
  });

  it("refuses a logger that takes only a message", () => {
    const messageOnly = (message: string) => console.log(message);
    expectTypeOf({ debug: messageOnly, info: messageOnly, warn: messageOnly, error: messageOnly }).not.toExtend<Logger>();
  });
});
