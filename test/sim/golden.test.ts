import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generationOptions } from "../../src/sim/index.js";
import { eventsToJsonl } from "../../src/sinks/jsonl.js";
import { getPreset } from "../../src/workflow/index.js";
import { generate, type MemorySink } from "./helpers.js";

// Pins the engine's output bytes: a refactor of the walk or the outcome must not move a single draw.
// Re-pinned once when the per-session cascade moved to its own counter-based stream and its label
// records took the one label schema (src/event/labels.ts); cascade-free bytes did not move.
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
      "04b3e3903025ba4632a78f1d07700cd9d9b9272e4d32cbfd48e1e040d98d3e3e",
      "ac38335409c880281f408ed3508e19ca1af0f8e557ad21e31f65e787e5475902",
    ],
    [
      "microservices",
      0.3,
      "805964a722f078eeb54695d4089a03b93637c2dc759fcf4e9bfb72d48e6e806f",
      "1b1542a5c5f7de24f079518ff89d3373d38c0b05ee32f740d6e1e34e03d9fdc2",
    ],
    [
      "simple",
      0.3,
      "94755923dc3b0758f1ec677f9ff43c74bf5ff416ade49c7350e94acf4074323a",
      "bc1f52c1b6f38a949d330e12f19ce33a09496069e5ab31fc7579fd2a2c57d1d1",
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
