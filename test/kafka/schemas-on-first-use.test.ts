import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
// As on the producer thread: the built module, called before the library is imported (`npm run build` first).
const built = new URL("../../dist/kafka/schemas-on-first-use.js", import.meta.url);

/** What @platformatic/kafka's validators say about bad options, in a process of its own (the patch is global). */
async function complaints(lazy: boolean): Promise<string[]> {
  const script = `
    if (${lazy}) (await import(${JSON.stringify(built.href)})).compileSchemasOnFirstUse();
    const { Admin, Producer } = await import("@platformatic/kafka");
    const out = [];
    const brokers = ["127.0.0.1:1"];
    for (const o of [
      { clientId: 1, bootstrapBrokers: brokers },
      { clientId: "x", bootstrapBrokers: brokers, acks: "all" },
      { clientId: "x", bootstrapBrokers: [] },
      { clientId: "x", bootstrapBrokers: brokers, idempotent: true, acks: 1 },
      { clientId: "x", bootstrapBrokers: brokers },
    ]) {
      try {
        await new Producer({ strict: true, ...o }).close();
        out.push("accepted");
      } catch (e) {
        out.push(e.message);
      }
    }
    const admin = new Admin({ strict: true, clientId: "x", bootstrapBrokers: brokers });
    await admin.createTopics({ topics: [7], partitions: "3" }).catch((e) => out.push(e.message));
    await admin.close();
    process.stdout.write(JSON.stringify(out));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
  return JSON.parse(stdout) as string[];
}

describe.skipIf(!existsSync(built))("the producer thread's schemas, compiled on first use", () => {
  test("the library's validators accept and refuse the same options, with the same messages", async () => {
    const [lazy, eager] = await Promise.all([complaints(true), complaints(false)]);
    expect(lazy).toEqual(eager);
    expect(eager).toHaveLength(6);
    expect(eager[0]).toMatch(/clientId must be string/);
    expect(eager[4]).toBe("accepted");
    expect(eager[5]).toMatch(/topics/);
  });
});
