import type { Config } from "../config/index.js";

/**
 * Builds a run with `build` while the producer threads of the config's Kafka sinks start: each loads its
 * client library meanwhile, and the sinks `build` makes take them (`run`, `replay`). Those no sink took
 * are stopped once `build` settles.
 */
export async function buildWhileSinksStart<T>(config: Config, build: () => Promise<T>): Promise<T> {
  if (!config.sinks.some((s) => s.type === "kafka")) return build();
  const [{ prestartKafkaSinks }, { releasePrestarted }] = await Promise.all([
    import("../sinks/kafka.js"),
    import("../kafka/threaded.js"),
  ]);
  prestartKafkaSinks(config.sinks);
  try {
    return await build();
  } finally {
    await releasePrestarted();
  }
}
