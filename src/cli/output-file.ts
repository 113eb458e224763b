/** A file the CLI will write at the end of a command, opened at its start so a bad path fails fast. */

import { closeSync, ftruncateSync, openSync, writeFileSync } from "node:fs";
import { CliInputError } from "./input.js";

/** An output file opened for writing; its old content stays until {@link OutputFile.replace}. */
export interface OutputFile {
  /** The path as given. */
  readonly path: string;
  /** Replaces the file's content with `text`. */
  replace(text: string): void;
  /** Releases the file; safe to call twice. */
  close(): void;
}

/**
 * Opens `path` for writing now, so that a missing folder, a directory or a read-only file ends
 * the command before its work rather than after. Append mode creates a missing file without
 * truncating an existing one, so an interrupted command leaves an old chart intact.
 *
 * @example
 * const svg = openOutputFile("pool.svg", "--svg"); // throws CliInputError when it cannot be written
 */
export function openOutputFile(path: string, option: string): OutputFile {
  let descriptor: number | null;
  try {
    descriptor = openSync(path, "a");
  } catch (error) {
    throw new CliInputError(`${option}: cannot write ${path} (${(error as { code?: string }).code ?? String(error)})`);
  }
  return {
    path,
    replace(text) {
      if (descriptor === null) throw new Error(`${path} is already closed`);
      // In append mode every write goes to the end, which is the start once the file is empty.
      ftruncateSync(descriptor, 0);
      writeFileSync(descriptor, text);
    },
    close() {
      if (descriptor !== null) closeSync(descriptor);
      descriptor = null;
    },
  };
}
