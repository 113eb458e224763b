import { describe, expect, it } from "vitest";
import { findMatchingPreset, selectClaimCandidate } from "../../src/index.js";
import { clockAt, makePrebuild, makePreset, makeSnapshot, NOW } from "../fixtures.js";

const clock = clockAt(NOW);
const HOUR = 3_600_000;
const agoIso = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe("selectClaimCandidate", () => {
  it("takes the oldest ready, unexpired prebuild", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ ttlSeconds: 7200 }),
      running: [
        makePrebuild("newer", agoIso(HOUR)),
        makePrebuild("expired", agoIso(3 * HOUR)),
        makePrebuild("not-ready", agoIso(2 * HOUR), false),
        makePrebuild("oldest-ready", agoIso(1.5 * HOUR)),
      ],
    });
    expect(selectClaimCandidate(snapshot, clock)?.id).toBe("oldest-ready");
  });

  it("breaks an age tie by the smaller id", () => {
    const snapshot = makeSnapshot({ running: [makePrebuild("b", agoIso(HOUR)), makePrebuild("a", agoIso(HOUR))] });
    expect(selectClaimCandidate(snapshot, clock)?.id).toBe("a");
  });

  it("never hands out an invalidated prebuild", () => {
    const snapshot = makeSnapshot({ preset: makePreset({ lastInvalidatedAt: NOW }), running: [makePrebuild("stale", agoIso(HOUR))] });
    expect(selectClaimCandidate(snapshot, clock)).toBeNull();
  });

  it("is null when nothing is ready", () => {
    expect(selectClaimCandidate(makeSnapshot({ running: [makePrebuild("booting", agoIso(HOUR), false)] }), clock)).toBeNull();
    expect(selectClaimCandidate(makeSnapshot(), clock)).toBeNull();
  });

  it("is null for an inactive preset", () => {
    const snapshot = makeSnapshot({ preset: makePreset({ templateDeprecated: true }), running: [makePrebuild("w", agoIso(HOUR))] });
    expect(selectClaimCandidate(snapshot, clock)).toBeNull();
  });
});

describe("findMatchingPreset", () => {
  const presets = [
    { id: "eu-any", parameters: { region: "eu" } },
    { id: "eu-large", parameters: { region: "eu", size: "large" } },
    { id: "b-eu-large", parameters: { size: "large", region: "eu" } },
    { id: "us-large", parameters: { region: "us", size: "large" } },
    { id: "default", parameters: {} },
  ];

  it("picks the preset setting the most parameters, ties to the smaller id", () => {
    expect(findMatchingPreset(presets, { region: "eu", size: "large", editor: "vim" })?.id).toBe("b-eu-large");
  });

  it("falls back to a less specific preset when a value differs", () => {
    expect(findMatchingPreset(presets, { region: "eu", size: "small" })?.id).toBe("eu-any");
  });

  it("matches a preset without parameters to any request", () => {
    expect(findMatchingPreset(presets, { region: "ap" })?.id).toBe("default");
  });

  it("is null when no preset fits", () => {
    expect(findMatchingPreset(presets.slice(0, 4), { region: "ap" })).toBeNull();
    expect(findMatchingPreset([], {})).toBeNull();
  });

  it("does not treat inherited object properties as parameters", () => {
    expect(findMatchingPreset([{ id: "p", parameters: { toString: "x" } }], {})).toBeNull();
  });

  it("returns the caller's own object, with its extra fields", () => {
    const rich = [{ id: "p", parameters: { region: "eu" }, templateVersionId: "v1" }];
    expect(findMatchingPreset(rich, { region: "eu" })).toBe(rich[0]);
  });
});
