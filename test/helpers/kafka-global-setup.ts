import type { TestProject } from "vitest/node";
import { type KafkaHarness, startKafka } from "./kafka.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bootstrap servers of the suite's shared broker (see test/helpers/kafka.ts). */
    kafkaBrokers: string[];
  }
}

let harness: KafkaHarness | undefined;

/** One broker for the whole `kafka` project: started before its files run, stopped after. */
export async function setup(project: TestProject): Promise<void> {
  harness = await startKafka();
  project.provide("kafkaBrokers", harness.brokers);
}

export async function teardown(): Promise<void> {
  await harness?.stop();
  harness = undefined;
}
