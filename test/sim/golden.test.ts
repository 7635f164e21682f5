import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generationOptions } from "../../src/sim/index.js";
import { eventsToJsonl } from "../../src/sinks/jsonl.js";
import { getPreset } from "../../src/workflow/index.js";
import { generate, type MemorySink } from "./helpers.js";

// Pins the engine's output bytes: a refactor of the walk or the outcome must not move a single draw.
// The fixture was written by `tracewalk generate --users 3 --cascade-rate 1 --seed 3 --days 1
// --out test/fixtures/golden/ecommerce-cascade.jsonl`; the hashes by the code the fixture came from.

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/golden/${name}`, import.meta.url), "utf8");
const labelsJsonl = (sink: MemorySink) => sink.labels.map((l) => `${JSON.stringify(l)}\n`).join("");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const cascade = (rate: number) => ({ cascade: { ...generationOptions().cascade, rate } });

describe("golden output", () => {
  it("writes the checked-in events and labels of a small cascaded run, byte for byte", async () => {
    const sink = await generate({ users: 3, seed: 3, days: 1, generation: cascade(1) });
    expect(sink.events.some((e) => e.is_retry)).toBe(true);
    expect(eventsToJsonl(sink.events)).toBe(fixture("ecommerce-cascade.jsonl"));
    expect(labelsJsonl(sink)).toBe(fixture("ecommerce-cascade.labels.jsonl"));
  });

  it.each([
    [
      "ecommerce",
      0.3,
      "87bf57b2f73781095918bfe8997725058da08a31f65d58a4daf8038803de24f3",
      "e99f362689715808ac64ffaeb9b152ec0681c03e2d3f8dc54195a7e508314b91",
    ],
    [
      "microservices",
      0.3,
      "9e92243607074f1a1ffbcbc8030306019bafec2d14e2ce03c4289cab3571925e",
      "0e02c1a79f1bac4ec0b4ba08ab3adeb94b760311a6f1cb5cfbfff621ec3e938d",
    ],
    [
      "simple",
      0.3,
      "f7d9ed415b6cb97e26e76e7f840da48a89a892d5ddff60fa83a8b0f8c6df2cf3",
      "88a2eecac637dbd8d4f493e99ce83e861efcbf4e3eccd6c8122b89c2a20b99ba",
    ],
    // No cascade: no labels (the hash of nothing).
    [
      "ecommerce",
      0,
      "c1349fa19b74e611c1153a1e04ab72e6e44e49ef5356ed30735f74ed502bf668",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ],
  ])("gives the pinned bytes for %s at cascade rate %s", async (preset, rate, events, labels) => {
    const sink = await generate({
      workflow: getPreset(preset)!,
      users: 300,
      seed: 7,
      generation: cascade(rate),
    });
    expect(sha256(eventsToJsonl(sink.events))).toBe(events);
    expect(sha256(labelsJsonl(sink))).toBe(labels);
  });
});
