/** Structured fields of a log line; the reconciler puts preset and template ids on every preset line. */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/** Structured logging. */
export interface Logger {
  /** Routine detail. */
  debug(message: string, fields?: LogFields): void;
  /** Something happened. */
  info(message: string, fields?: LogFields): void;
  /** Something is off but the cycle goes on. */
  warn(message: string, fields?: LogFields): void;
  /** Something failed. */
  error(message: string, fields?: LogFields): void;
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
 * logger.info("cycle done", { presetId: "p1", created: 2 });
 */
export function jsonLineLogger(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const log = (level: string) => (message: string, fields?: LogFields) => write(JSON.stringify({ level, message, ...fields }));
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
