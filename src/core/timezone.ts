/**
 * Wall-clock arithmetic in IANA time zones, independent of the host's own zone.
 *
 * Offsets come from `Intl.DateTimeFormat#formatToParts`, which is exact and host-independent;
 * wall-clock fields are then derived arithmetically, so a scan over many minutes costs one Intl
 * call per offset change instead of one per minute.
 */

import { formatInTimeZone } from "date-fns-tz";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Wall-clock fields of an instant in some zone. */
export interface WallClock {
  readonly minute: number;
  readonly hour: number;
  readonly dayOfMonth: number;
  /** 1–12. */
  readonly month: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly dayOfWeek: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const zoneValidity = new Map<string, string | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Why `timeZone` is not an IANA zone name this runtime knows (`Europe/Berlin`, `UTC`), or `null`
 * when it is one. Offset strings such as `+01:00` are refused (schedules follow a place's rules,
 * not an offset), and so are names in the wrong case, which Intl accepts but nothing else would.
 */
export function timeZoneProblem(timeZone: string): string | null {
  const known = zoneValidity.get(timeZone);
  if (known !== undefined) return known;
  let problem: string | null = `unknown time zone ${JSON.stringify(timeZone)}; use an IANA name such as "Europe/Berlin"`;
  if (/^[A-Za-z]/.test(timeZone)) {
    try {
      const canonical = formatterFor(timeZone).resolvedOptions().timeZone;
      problem = canonical !== timeZone && canonical.toLowerCase() === timeZone.toLowerCase() ? `time zone ${JSON.stringify(timeZone)} must be written "${canonical}"` : null;
    } catch {
      // Intl refused the name: the "unknown time zone" problem stands.
    }
  }
  zoneValidity.set(timeZone, problem);
  return problem;
}

/** The zone's UTC offset at `epochMs`, in milliseconds (positive east of Greenwich). */
export function offsetAt(timeZone: string, epochMs: number): number {
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  const parts = formatterFor(timeZone).formatToParts(new Date(wholeSecond));
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of parts) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
      default:
        break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) - wholeSecond;
}

/** Wall-clock fields of a "shifted" instant, i.e. `epochMs + offset`, read as UTC. */
export function wallClockOfShifted(shiftedMs: number): WallClock {
  const date = new Date(shiftedMs);
  return {
    minute: date.getUTCMinutes(),
    hour: date.getUTCHours(),
    dayOfMonth: date.getUTCDate(),
    month: date.getUTCMonth() + 1,
    dayOfWeek: date.getUTCDay(),
  };
}

const lastMinute = new Map<string, { readonly minute: number; readonly offsetMs: number; readonly wall: WallClock }>();

/**
 * The offset and wall clock of one minute in `timeZone`. The last minute asked for is remembered
 * per zone, so the thousands of presets of one cycle, which share one "now", cost one Intl call per zone.
 */
function zoneMinute(timeZone: string, epochMs: number): { readonly offsetMs: number; readonly wall: WallClock } {
  const minute = Math.floor(epochMs / MINUTE_MS);
  const remembered = lastMinute.get(timeZone);
  if (remembered !== undefined && remembered.minute === minute) return remembered;
  // Offsets change on whole minutes, so the minute's start has the same offset as any instant in it.
  const offsetMs = offsetAt(timeZone, minute * MINUTE_MS);
  const entry = { minute, offsetMs, wall: wallClockOfShifted(minute * MINUTE_MS + offsetMs) };
  lastMinute.set(timeZone, entry);
  return entry;
}

/** Wall-clock fields of `epochMs` in `timeZone`. */
export function wallClockAt(timeZone: string, epochMs: number): WallClock {
  return zoneMinute(timeZone, epochMs).wall;
}

/** The start of the next wall-clock minute, hour or day after a shifted instant (also shifted). */
export function nextWallBoundary(shiftedMs: number, unit: "minute" | "hour" | "day"): number {
  const size = unit === "minute" ? MINUTE_MS : unit === "hour" ? HOUR_MS : DAY_MS;
  return Math.floor(shiftedMs / size) * size + size;
}

/** The zone's offsets over a window: `offsets[i]` holds from `starts[i]` until `starts[i + 1]`. */
export interface OffsetTimeline {
  readonly fromMs: number;
  readonly toMs: number;
  readonly starts: readonly number[];
  readonly offsets: readonly number[];
}

function scanOffsets(timeZone: string, fromMs: number, toMs: number): OffsetTimeline {
  // Sample every six hours and bisect to the minute: real zones never change offset twice
  // within six hours, and every change in the tz database falls on a whole minute.
  const step = 6 * HOUR_MS;
  const starts = [fromMs];
  const offsets = [offsetAt(timeZone, fromMs)];
  let lowMs = fromMs;
  let lowOffset = offsets[0] ?? 0;
  while (lowMs < toMs) {
    const highMs = Math.min(lowMs + step, toMs);
    const highOffset = offsetAt(timeZone, highMs);
    if (highOffset !== lowOffset) {
      let low = Math.floor(lowMs / MINUTE_MS);
      let high = Math.ceil(highMs / MINUTE_MS);
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetAt(timeZone, middle * MINUTE_MS) === lowOffset) low = middle;
        else high = middle;
      }
      starts.push(high * MINUTE_MS);
      offsets.push(highOffset);
    }
    lowMs = highMs;
    lowOffset = highOffset;
  }
  return { fromMs, toMs, starts, offsets };
}

const timelines = new Map<string, OffsetTimeline>();

/**
 * The zone's offsets over `[fromMs, toMs]`. Cached per zone with a day of slack, so that the
 * presets of one cycle, and the cycles of one day, share one scan.
 */
export function offsetTimeline(timeZone: string, fromMs: number, toMs: number): OffsetTimeline {
  const cached = timelines.get(timeZone);
  if (cached !== undefined && cached.fromMs <= fromMs && toMs <= cached.toMs) return cached;
  const fresh = scanOffsets(timeZone, fromMs, toMs + DAY_MS);
  timelines.set(timeZone, fresh);
  return fresh;
}

/**
 * The zone's offset at an instant, from the zone's cached timeline when it covers the instant (the
 * reasons of one cycle name instants near "now", where the schedules' scans already looked), else
 * from Intl.
 */
function knownOffsetAt(timeZone: string, epochMs: number): number {
  const timeline = timelines.get(timeZone);
  if (timeline === undefined || epochMs < timeline.fromMs || epochMs > timeline.toMs) return offsetAt(timeZone, epochMs);
  let index = timeline.starts.length - 1;
  while (index > 0 && (timeline.starts[index] as number) > epochMs) index -= 1;
  // A timeline places each change on the minute at or after it; a few historical changes fell
  // within a minute (Africa/Monrovia, 1972-01-07 00:44:30Z). In the minute before a change, ask Intl.
  const nextChange = timeline.starts[index + 1];
  if (nextChange !== undefined && nextChange - epochMs <= MINUTE_MS) return offsetAt(timeZone, epochMs);
  return timeline.offsets[index] ?? offsetAt(timeZone, epochMs);
}

/**
 * A person-readable wall-clock rendering of an instant in a zone, for reasons: `2025-03-09 14:02 GMT+1`.
 * The wall time comes from the exact offset; date-fns-tz supplies the zone's name, which it
 * derives from the instant itself. (Its wall-time formatting goes through the host's zone and is
 * wrong when that wall time falls in a DST gap of the host, so it is not used for that.)
 */
export function describeInstant(instant: Date, timeZone: string): string {
  const epochMs = instant.getTime();
  const shifted = new Date(epochMs + knownOffsetAt(timeZone, epochMs));
  // At the very end of the Date range the wall clock east of Greenwich lies beyond it (and Intl
  // cannot name the zone there): such an instant is said in UTC.
  if (Number.isNaN(shifted.getTime())) return `${wallText(instant)} UTC`;
  return `${wallText(shifted)} ${zoneName(timeZone, instant, epochMs - shifted.getTime())}`;
}

/** "2025-03-09 14:02" of a Date read as UTC; years past 9999 keep all their digits ("+275760-09-12 20:00"). */
function wallText(shifted: Date): string {
  const iso = shifted.toISOString();
  return iso.slice(0, iso.indexOf("T") + 6).replace("T", " ");
}

const zoneNames = new Map<string, string>();

/**
 * The zone's short name at an instant ("GMT+2", "EDT"). date-fns-tz builds a new Intl formatter
 * on every call, so the name is remembered per zone and offset, on which alone it depends.
 */
function zoneName(timeZone: string, instant: Date, offsetMs: number): string {
  const key = `${timeZone}\u0000${offsetMs}`;
  let name = zoneNames.get(key);
  if (name === undefined) {
    name = formatInTimeZone(instant, timeZone, "zzz");
    zoneNames.set(key, name);
  }
  return name;
}

/**
 * The start of the next wall-clock hour after `epochMs` in `timeZone`. Offset changes happen on
 * wall-clock hour boundaries of the old offset, so this is never later than the next change of
 * the wall-clock hour.
 */
export function nextWallHour(timeZone: string, epochMs: number): number {
  const offset = zoneMinute(timeZone, epochMs).offsetMs;
  return nextWallBoundary(epochMs + offset, "hour") - offset;
}
