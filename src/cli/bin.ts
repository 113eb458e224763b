import { runCli } from "./main.js";

// Piped into `head`, the reader may leave early: that ends the output, not in a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const color = process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined;
// Ctrl-C ends `status --watch` after its current read; a second one ends the process at once.
const interrupt = new AbortController();
process.once("SIGINT", () => {
  interrupt.abort();
  process.once("SIGINT", () => process.exit(130));
});
runCli(process.argv.slice(2), { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), color }, () => new Date(), {
  environment: process.env,
  signal: interrupt.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`prebuild-reconciler: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
