import type { Config } from "../config/index.js";

/**
 * Starts the producer threads of the config's Kafka sinks now, so that each loads its client library while
 * this thread loads and builds the rest of the run (`run`, `replay`); the sinks take them when they are
 * built. Returns what stops those no sink took, to call once the run is built or failed to be.
 */
export async function prestartSinks(config: Config): Promise<() => Promise<void>> {
  if (!config.sinks.some((s) => s.type === "kafka")) return async () => {};
  const [{ prestartKafkaSinks }, { releasePrestarted }] = await Promise.all([
    import("../sinks/kafka.js"),
    import("../kafka/threaded.js"),
  ]);
  prestartKafkaSinks(config.sinks);
  return releasePrestarted;
}
