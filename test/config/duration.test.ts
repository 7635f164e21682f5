import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/config/index.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["90m", 5_400_000],
    ["24h", 86_400_000],
    ["1h30m", 5_400_000],
    ["1h 30m 15s", 5_415_000],
    ["1.5h", 5_400_000],
    ["2d", 172_800_000],
    ["0s", 0],
    ["45", 45_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("reads a number as seconds", () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it.each(["", "m", "5 minutes", "1x", "-5s", "h1", "1h-30m"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it("rejects negative and non-finite numbers", () => {
    expect(() => parseDuration(-1)).toThrow(/invalid duration/);
    expect(() => parseDuration(Number.NaN)).toThrow(/invalid duration/);
  });

  it("formats back to the shortest string", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(1500)).toBe("1s500ms");
    expect(formatDuration(0)).toBe("0s");
    expect(parseDuration(formatDuration(93_784_005))).toBe(93_784_005);
  });
});
