/**
 * Claim traces: the instants at which people claimed from each preset, for a simulation to replay
 * exactly. A trace comes inline (a list of instants per preset) or from a CSV file of
 * `timestamp,preset` rows, such as an export of last month's claims.
 */

/** One claim of a trace. */
export interface TraceClaim {
  /** When the claim was made. */
  readonly at: Date;
  /** The id of the preset claimed from. */
  readonly presetId: string;
  /** The line of the CSV file it came from (1-based), when it came from one; for messages. */
  readonly line?: number;
}

/** A claim trace: claims of any presets, in any order (a simulation replays them in time order). */
export type ClaimTrace = readonly TraceClaim[];

/**
 * Thrown by {@link parseClaimTrace} for a row it cannot read; `line` is the 1-based line number.
 *
 * @example
 * try {
 *   parseClaimTrace(text);
 * } catch (error) {
 *   if (error instanceof ClaimTraceError) console.error(`claims.csv:${error.line}: ${error.message}`);
 * }
 */
export class ClaimTraceError extends Error {
  /** Stable machine-readable code. */
  readonly code = "TRACE_INVALID" as const;

  constructor(
    /** The 1-based line number of the bad row. */
    readonly line: number,
    /** What is wrong with it, without the line number. */
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = "ClaimTraceError";
  }
}

// An ISO 8601 date-time with an explicit offset: without one, Date reads it in the machine's zone.
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Whether `text` is an ISO 8601 date-time with an offset that names a real calendar date and
 * time (Date.parse rolls February 30 over into March; this refuses it).
 */
export function isIsoInstant(text: string): boolean {
  const match = ISO_WITH_OFFSET.exec(text);
  if (match === null || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day, hour, minute, second = 0] = match.slice(1, 7).map((field) => (field === undefined ? undefined : Number(field))) as number[];
  const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  return (month ?? 0) >= 1 && (month ?? 0) <= 12 && (day ?? 0) >= 1 && (day ?? 0) <= daysInMonth && (hour ?? 0) <= 23 && (minute ?? 0) <= 59 && second <= 59;
}

/** The fields of one CSV line (RFC 4180 quoting: `"a ""quoted"", field"`), or `null` when a quote is left open. */
function splitFields(line: string): string[] | null {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const character = line[index];
    if (quoted) {
      if (character === '"' && line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"' && field.trim() === "") {
      field = "";
      quoted = true;
    } else if (character === ",") {
      fields.push(field.trim());
      field = "";
    } else field += character;
  }
  if (quoted) return null;
  fields.push(field.trim());
  return fields;
}

/**
 * Reads a CSV claim trace: one claim per line, `timestamp,preset`, the timestamp an ISO 8601
 * date-time with an offset (`2025-06-02T08:03:11Z`, `2025-06-02T10:03:11+02:00`). A first line
 * `timestamp,preset` is a header and skipped; blank lines are skipped; fields may be quoted.
 * Anything else (a missing or extra field, a date without an offset, an empty preset) throws a
 * {@link ClaimTraceError} naming the line.
 *
 * @example
 * const trace = parseClaimTrace("timestamp,preset\n2025-06-02T08:03:11Z,eu-dev\n2025-06-02T08:05:40Z,us-dev\n");
 * // → [{ at: 2025-06-02T08:03:11Z, presetId: "eu-dev", line: 2 }, { at: …, presetId: "us-dev", line: 3 }]
 */
export function parseClaimTrace(text: string): ClaimTrace {
  const claims: TraceClaim[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    const fields = splitFields(raw);
    if (fields === null) throw new ClaimTraceError(line, `a quoted field is not closed: ${JSON.stringify(raw.trim())}`);
    if (index === 0 && fields.length === 2 && fields[0]?.toLowerCase() === "timestamp" && fields[1]?.toLowerCase() === "preset") continue;
    if (fields.length !== 2) throw new ClaimTraceError(line, `expected two fields "timestamp,preset", got ${fields.length}: ${JSON.stringify(raw.trim())}`);
    const [timestamp = "", presetId = ""] = fields;
    if (!isIsoInstant(timestamp)) {
      throw new ClaimTraceError(line, `timestamp ${JSON.stringify(timestamp)} is not an ISO 8601 date-time with an offset, such as 2025-06-02T08:03:11Z`);
    }
    if (presetId === "") throw new ClaimTraceError(line, "the preset id is empty");
    claims.push({ at: new Date(timestamp), presetId, line });
  }
  return claims;
}

/**
 * Writes a claim trace as CSV, with a header, in time order: what {@link parseClaimTrace} reads.
 *
 * @example
 * writeFileSync("claims.csv", formatClaimTrace(materializeDemand(scenario, { days: 7, seed: 1 })));
 */
export function formatClaimTrace(trace: ClaimTrace): string {
  const sorted = [...trace].sort((left, right) => left.at.getTime() - right.at.getTime());
  return `timestamp,preset\n${sorted.map((claim) => `${claim.at.toISOString()},${/[",\n]/.test(claim.presetId) ? `"${claim.presetId.replaceAll('"', '""')}"` : claim.presetId}\n`).join("")}`;
}
