import { describe, expect, it } from "vitest";
import { ArgumentValidationError, findMatchingPreset, type ParameterizedPreset } from "../../src/index.js";
import { thrownError } from "../fixtures.js";

/** Arguments as an untyped caller (JavaScript, JSON from a request) might pass them. */
function loose<T>(value: unknown): T {
  return value as T;
}

function issuesOf(run: () => unknown): readonly { path: string; message: string }[] {
  const error = thrownError(run);
  expect(error).toBeInstanceOf(ArgumentValidationError);
  expect((error as ArgumentValidationError).code).toBe("ARGUMENT_INVALID");
  return (error as ArgumentValidationError).issues;
}

describe("findMatchingPreset — arguments that are not what they should be", () => {
  const presets: ParameterizedPreset[] = [{ id: "eu", parameters: { region: "eu" } }];

  it("refuses null parameters with a typed error, not a TypeError", () => {
    expect(issuesOf(() => findMatchingPreset(presets, loose(null)))).toEqual([{ path: "parameters", message: "must be an object whose values are strings, got null" }]);
    const error = thrownError(() => findMatchingPreset(presets, loose(null)));
    expect(error.message).toBe("invalid findMatchingPreset arguments: parameters: must be an object whose values are strings, got null");
  });

  it("refuses parameters that are not an object of strings, naming the key", () => {
    expect(issuesOf(() => findMatchingPreset(presets, loose([])))).toEqual([{ path: "parameters", message: "must be an object whose values are strings, got an array" }]);
    expect(issuesOf(() => findMatchingPreset(presets, loose("region=eu")))).toEqual([
      { path: "parameters", message: 'must be an object whose values are strings, got "region=eu"' },
    ]);
    expect(issuesOf(() => findMatchingPreset(presets, loose({ region: "eu", size: 2, gpu: null })))).toEqual([
      { path: "parameters.size", message: "must be a string, got 2" },
      { path: "parameters.gpu", message: "must be a string, got null" },
    ]);
  });

  it("refuses presets that are not a list of { id, parameters }", () => {
    expect(issuesOf(() => findMatchingPreset(loose(null), {}))).toEqual([{ path: "presets", message: "must be an array, got null" }]);
    expect(
      issuesOf(() => findMatchingPreset(loose([{ id: "", parameters: {} }, null, { id: "x", parameters: null }, { id: "y", parameters: { size: 1 } }]), {})),
    ).toEqual([
      { path: "presets[0].id", message: 'must be a non-empty string, got ""' },
      { path: "presets[1]", message: "must be an object, got null" },
      { path: "presets[2].parameters", message: "must be an object whose values are strings, got null" },
      { path: "presets[3].parameters.size", message: "must be a string, got 1" },
    ]);
  });

  it("reports the presets and the parameters together", () => {
    expect(issuesOf(() => findMatchingPreset(loose(undefined), loose(undefined)))).toEqual([
      { path: "presets", message: "must be an array, got missing" },
      { path: "parameters", message: "must be an object whose values are strings, got missing" },
    ]);
  });

  it("accepts parameters without a prototype", () => {
    const bare = Object.assign(Object.create(null) as Record<string, string>, { region: "eu" });
    expect(findMatchingPreset(presets, bare)).toBe(presets[0]);
  });
});
