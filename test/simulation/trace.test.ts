import { describe, expect, it } from "vitest";
import { ClaimTraceError, formatClaimTrace, parseClaimTrace } from "../../src/testing.js";

describe("parseClaimTrace", () => {
  it("reads timestamp,preset rows, with or without a header, skipping blank lines, with CRLF and quotes", () => {
    const text = 'timestamp,preset\r\n2025-06-02T08:03:11Z,eu-dev\r\n\r\n 2025-06-02T10:05:40+02:00 , "us-dev"\n"2025-06-02T08:06:00.500Z","team ""a"", b"\n';
    expect(parseClaimTrace(text)).toEqual([
      { at: new Date("2025-06-02T08:03:11Z"), presetId: "eu-dev", line: 2 },
      { at: new Date("2025-06-02T08:05:40Z"), presetId: "us-dev", line: 4 },
      { at: new Date("2025-06-02T08:06:00.500Z"), presetId: 'team "a", b', line: 5 },
    ]);
    expect(parseClaimTrace("2025-06-02T08:03:11Z,eu-dev")).toEqual([{ at: new Date("2025-06-02T08:03:11Z"), presetId: "eu-dev", line: 1 }]);
    expect(parseClaimTrace("")).toEqual([]);
  });

  it.each([
    ["timestamp,preset\n2025-06-02T08:03:11Z\n", 2, 'expected two fields "timestamp,preset", got 1: "2025-06-02T08:03:11Z"'],
    ["2025-06-02T08:03:11Z,eu-dev,extra\n", 1, 'expected two fields "timestamp,preset", got 3: "2025-06-02T08:03:11Z,eu-dev,extra"'],
    ["timestamp,preset\n2025-06-02T08:03:11Z,eu\n2025-06-02 08:04:00,eu\n", 3, 'timestamp "2025-06-02 08:04:00" is not an ISO 8601 date-time with an offset, such as 2025-06-02T08:03:11Z'],
    ["2025-06-02T08:04:00,eu\n", 1, 'timestamp "2025-06-02T08:04:00" is not an ISO 8601 date-time with an offset, such as 2025-06-02T08:03:11Z'],
    ["2025-02-30T08:04:00Z,eu\n", 1, 'timestamp "2025-02-30T08:04:00Z" is not an ISO 8601 date-time with an offset, such as 2025-06-02T08:03:11Z'],
    ["yesterday,eu\n", 1, 'timestamp "yesterday" is not an ISO 8601 date-time with an offset, such as 2025-06-02T08:03:11Z'],
    ["\n\n2025-06-02T08:04:00Z,\n", 3, "the preset id is empty"],
    ['2025-06-02T08:04:00Z,"eu\n', 1, 'a quoted field is not closed: "2025-06-02T08:04:00Z,\\"eu"'],
  ])("a bad row throws a ClaimTraceError naming its line: %j", (text, line, problem) => {
    let caught: unknown;
    try {
      parseClaimTrace(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ClaimTraceError);
    expect({ line: (caught as ClaimTraceError).line, problem: (caught as ClaimTraceError).problem, message: (caught as ClaimTraceError).message }).toEqual({ line, problem, message: `line ${line}: ${problem}` });
  });
});

describe("formatClaimTrace", () => {
  it("writes the CSV that parseClaimTrace reads back, in time order", () => {
    const trace = [
      { at: new Date("2025-06-02T09:00:00Z"), presetId: "b,c" },
      { at: new Date("2025-06-02T08:00:00Z"), presetId: "a" },
    ];
    const text = formatClaimTrace(trace);
    expect(text).toBe('timestamp,preset\n2025-06-02T08:00:00.000Z,a\n2025-06-02T09:00:00.000Z,"b,c"\n');
    expect(parseClaimTrace(text).map(({ at, presetId }) => ({ at, presetId }))).toEqual([trace[1], trace[0]]);
  });
});
