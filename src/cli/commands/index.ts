import type { CommandEntry } from "../command.js";

/**
 * Every CLI command; a new command is one file plus one entry here. The file is imported only when
 * its command runs, so that no command pays for another's dependencies (Kafka clients, Parquet, …).
 */
export const commands: readonly CommandEntry[] = [
  {
    name: "run",
    summary: "run the daemon: virtual users in real or accelerated time",
    load: async () => (await import("./run.js")).runCommand,
  },
  {
    name: "replay",
    summary: "send recorded calls again, to a target and/or the sinks, at a chosen speed",
    load: async () => (await import("./replay.js")).replayCommand,
  },
  {
    name: "generate",
    summary: "write an offline dataset (JSONL or Parquet)",
    load: async () => (await import("./generate.js")).generateCommand,
  },
  {
    name: "validate",
    summary: "Check workflow files, presets or daemon configs and report every problem",
    load: async () => (await import("./validate.js")).validateCommand,
  },
  {
    name: "presets",
    summary: "List the built-in workflows, or print one as YAML",
    load: async () => (await import("./presets.js")).presetsCommand,
  },
  {
    name: "graph",
    summary: "Draw a workflow as a Mermaid or Graphviz graph, probabilities on the edges",
    load: async () => (await import("./graph.js")).graphCommand,
  },
  {
    name: "schema",
    summary: "Print the JSON Schema of the config file or of Event v1",
    load: async () => (await import("./schema.js")).schemaCommand,
  },
  {
    name: "summary",
    summary: "Merge the end-of-run summaries of N shards into one (summary merge)",
    load: async () => (await import("./summary.js")).summaryCommand,
  },
  {
    name: "verify",
    summary: "Check that recorded events carry a workflow's transition probabilities",
    load: async () => (await import("./verify.js")).verifyCommand,
  },
  {
    name: "fit",
    summary: "Learn a workflow from recorded events or access logs (a synthetic twin)",
    load: async () => (await import("./fit.js")).fitCommand,
  },
  {
    name: "score",
    summary: "Score a detector's alerts against the labelled cascade windows",
    load: async () => (await import("./score.js")).scoreCommand,
  },
];
