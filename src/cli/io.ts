/** Where a command writes; the binary passes stdout/stderr, tests pass buffers. */
export interface CommandIo {
  /** Normal output. */
  out(text: string): void;
  /** Diagnostics. */
  err(text: string): void;
  /** Whether to colour the output. */
  readonly color: boolean;
}

/** JSON with Dates as ISO strings and validation errors as plain data. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, field: unknown) => {
      if (field instanceof Error) {
        const { code, presetId, issues } = field as Error & { code?: string; presetId?: string | null; issues?: unknown };
        return { code, presetId, message: field.message, issues };
      }
      return field;
    },
    2,
  );
}
