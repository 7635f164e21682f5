import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

    test("runs a job sent before its output is made, the worker's first messages kept for it", async () => {
      const t = new DatasetThread<DatasetJob>();
      const j = await job(join(dir, "f.jsonl"));
      t.send(j);
      // The worker answers (progress, its first batches) while nobody listens yet.
      await new Promise((resolve) => t.worker.once("message", resolve));
      const f = await runDatasetJob(j, () => {}, t);
      const g = await runDatasetJob(await job(join(dir, "g.jsonl")), () => {});
      expect(f.events).toBeGreaterThan(100);
      expect(f).toEqual(g);
      expect(readFileSync(join(dir, "f.jsonl")).equals(readFileSync(join(dir, "g.jsonl")))).toBe(true);
      const other = await job(join(dir, "h.jsonl"));
      expect(() => t.post(other)).toThrow("a job was already sent");
    });

    test("a job sent whose output cannot be opened fails with that error; the worker is stopped", async () => {
      const t = new DatasetThread<DatasetJob>();
      const exited = exitOf(t);
      // Many users: the worker would run for seconds if nobody stopped it.
      writeFileSync(join(dir, "a-file"), "");
      const j = { ...(await job(join(dir, "a-file", "x.jsonl"))), users: 1_000_000 };
      t.send(j);
      await expect(runDatasetJob(j, () => {}, t)).rejects.toThrow("a-file is a file, not a directory");
      // Terminated at its first message, not after its million users.
      expect(await exited).toBe(1);
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
