import { configDefaults, defineConfig } from "vitest/config";

const shared = { testTimeout: 60_000, hookTimeout: 120_000, pool: "forks" } as const;
const kafkaTests = "test/integration/kafka-*.test.ts";

export default defineConfig({
  test: {
    ...shared,
    // The Kafka tests are their own project so that only they start the shared broker (globalSetup).
    projects: [
      {
        test: {
          ...shared,
          name: "default",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, kafkaTests],
        },
      },
      {
        test: {
          ...shared,
          name: "kafka",
          include: [kafkaTests],
          globalSetup: ["test/helpers/kafka-global-setup.ts"],
        },
      },
    ],
  },
});
