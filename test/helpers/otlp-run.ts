// Runs the daemon in process into an otlp sink at a real Collector (helpers/otelcol.ts) and a file
// sink beside it, so that a test compares the spans the Collector accepted with the events and labels.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { expect } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createDaemon } from "../../src/daemon/daemon.js";
import type { CascadeLabel, TraceEvent } from "../../src/event/index.js";
import type { Collector, ForwardedSpan } from "./otelcol.js";

/** A `run(set, file, protocol, duration, workflow)` into `collector()`, its files in `dir`. */
export function otlpRunner(collector: () => Collector, dir: string) {
  const tmp = { dir };
  let runs = 0;
  /** Runs the daemon in process into an otlp sink (at the collector) and a file; returns the events and the spans forwarded. */
  return async function run(
    set: string[],
    file = "",
    protocol = "http/protobuf",
    duration = "20m",
    workflow = "ecommerce",
  ) {
    const out = join(tmp.dir, `run-${runs}.jsonl`);
    const labelsOut = join(tmp.dir, `run-${runs}.labels.jsonl`);
    const cfg = join(tmp.dir, `run-${runs++}.yaml`);
    writeFileSync(cfg, file);
    const before = collector().spans.length;
    const config = await loadConfig({
      file: cfg,
      env: {},
      flags: {
        speed: "max",
        duration,
        workflow: [workflow],
        set: [
          "seed=7",
          "metrics.enabled=false",
          `sinks=[{type: otlp, name: traces, endpoint: "${collector().endpoint}", protocol: ${protocol}, service_instance_id: shard-0}, {type: file, path: ${out}, labels_path: ${labelsOut}}]`,
          "load={model: closed, users: 6, pause: 1m}",
          ...set,
        ],
      },
    });
    const log = new Writable({ write: (_c, _e, done) => done() });
    const daemon = await createDaemon(config, pino({ level: "warn" }, log));
    await daemon.run();
    expect(await daemon.close()).toEqual({ traces: 0, file: 0 });
    const lines = (path: string) =>
      readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    const events = lines(out) as TraceEvent[];
    const labels = (existsSync(labelsOut) ? lines(labelsOut) : []) as CascadeLabel[];
    return { events, labels, spans: collector().spans.slice(before) };
  };
}

/** Each span as trace/span/parent ids, sorted: what two runs are compared by. */
export const spanIds = (spans: ForwardedSpan[]) =>
  spans.map((s) => `${s.traceId}/${s.spanId}/${s.parentSpanId ?? ""}`).sort();
