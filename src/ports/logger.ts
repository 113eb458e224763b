/** Structured fields of a log line; the reconciler puts preset and template ids on every preset line. */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/**
 * Structured logging, fields first and message second: the convention of pino and bunyan, so a
 * pino logger is a `Logger` as it is, with every field intact. A logger written the other way round,
 * `(message, fields)`, is refused by the type checker (it would lose the fields at run time).
 *
 * @example
 * import pino from "pino";
 * const reconciler = new Reconciler({ store, provisioner, logger: pino(), systemUserId });
 */
export interface Logger {
  /** Routine detail. */
  debug(fields: LogFields, message: string): void;
  /** Something happened. */
  info(fields: LogFields, message: string): void;
  /** Something is off but the cycle goes on. */
  warn(fields: LogFields, message: string): void;
  /** Something failed. */
  error(fields: LogFields, message: string): void;
}

/**
 * A logger that drops everything (the Reconciler's default).
 *
 * @example
 * const reconciler = new Reconciler({ store, provisioner, logger: silentLogger, systemUserId });
 */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * A logger writing one JSON object per line to stderr, `{ level, message, ...fields }`.
 *
 * @example
 * const logger = jsonLineLogger(); // or jsonLineLogger((line) => myStream.write(line + "\n"))
 * logger.info({ presetId: "p1", created: 2 }, "cycle done");
 */
export function jsonLineLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const log = (level: string) => (fields: LogFields, message: string) => write(JSON.stringify({ level, message, ...fields }));
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger whose failures are swallowed: a broken log sink must never change what a cycle does. */
export function neverThrowing(logger: Logger): Logger {
  const guard =
    (level: keyof Logger): Logger["info"] =>
    (fields, message) => {
      try {
        const result: unknown = logger[level](fields, message);
        if (result instanceof Promise) result.catch(() => undefined);
      } catch {
        // Nowhere left to report it.
      }
    };
  return { debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") };
}
