import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { DatasetThread, datasetWorkerUrl } from "../../src/daemon/dataset-thread.js";
import { type DatasetJob, runDatasetJob } from "../../src/daemon/dataset-worker.js";
import { generationOptions } from "../../src/sim/options.js";
import { loadWorkflow } from "../../src/workflow/index.js";

const dir = mkdtempSync(join(tmpdir(), "tw-dataset-thread-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => new URL(`../fixtures/daemon/${name}`, import.meta.url);
const exitOf = (t: DatasetThread) => new Promise<number>((resolve) => t.worker.once("exit", resolve));

async function job(out: string): Promise<DatasetJob> {
  return {
    workflow: await loadWorkflow("simple"),
    generation: generationOptions({ seed: 7 }),
    users: 50,
    sessionsPerUser: { mean: 2, std: 1 },
    startMs: Date.parse("2026-01-01T00:00:00Z"),
    durationMs: 86_400_000,
    shard: { index: 0, count: 1 },
    out,
    format: "jsonl",
  };
}

// The worker runs the built script (dist/): `npm run build` first, as for the CLI's tests.
describe.skipIf(!existsSync(fileURLToPath(datasetWorkerUrl())))(
  "a dataset worker started before its job",
  () => {
    test("runs the job it is sent later, into the same bytes as one started with it", async () => {
      const early = new DatasetThread<DatasetJob>();
      // Its modules load meanwhile; the job is made (and the workflow read) after.
      const a = await runDatasetJob(await job(join(dir, "a.jsonl")), () => {}, early);
      const b = await runDatasetJob(await job(join(dir, "b.jsonl")), () => {});
      expect(a.events).toBeGreaterThan(100);
      expect(a).toEqual(b);
      const bytes = readFileSync(join(dir, "a.jsonl"));
      expect(bytes.toString().split("\n").length - 1).toBe(a.events);
      expect(bytes.equals(readFileSync(join(dir, "b.jsonl")))).toBe(true);
    });

    test("given no job, it exits by itself once loaded (not terminated), with code 0", async () => {
      const t = new DatasetThread<DatasetJob>();
      const exited = exitOf(t);
      t.release();
      expect(await exited).toBe(0);
      // Releasing twice, or after, sends nothing more.
      t.release();
    });

    test("a job fails with the worker's own error when it failed before the job reached it", async () => {
      const t = new DatasetThread<DatasetJob>(fixture("worker-throws.mjs"));
      await exitOf(t);
      await expect(runDatasetJob(await job(join(dir, "c.jsonl")), () => {}, t)).rejects.toThrow(
        "broken on load",
      );
    });

    test("a job fails, saying so, when the worker exited before the job reached it", async () => {
      const t = new DatasetThread<DatasetJob>(fixture("worker-exits.mjs"));
      await exitOf(t);
      await expect(runDatasetJob(await job(join(dir, "d.jsonl")), () => {}, t)).rejects.toThrow(
        "dataset worker exited with code 3",
      );
    });

    test("a thread takes one job only", async () => {
      const t = new DatasetThread<DatasetJob>();
      const exited = exitOf(t);
      await runDatasetJob(await job(join(dir, "e.jsonl")), () => {}, t);
      expect(() => t.post({} as DatasetJob)).toThrow("a job was already sent");
      expect(await exited).toBe(0);
    });
  },
);
