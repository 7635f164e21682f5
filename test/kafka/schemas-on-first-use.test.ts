import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
// As on the producer thread: the built library (`npm run build` first: the package bundled into one file,
// its ajv patched to compile on first use), or the sources' route (the patch, then the package).
const bundle = new URL("../../dist/kafka/platformatic-lib.js", import.meta.url);
const patch = new URL("../../dist/kafka/schemas-on-first-use.js", import.meta.url);
const LIBRARY = {
  package: `await import("@platformatic/kafka")`,
  patched: `(await import(${JSON.stringify(patch.href)})).compileSchemasOnFirstUse(), await import("@platformatic/kafka")`,
  bundle: `await import(${JSON.stringify(bundle.href)})`,
};

/** What @platformatic/kafka's validators say about bad options, in a process of its own (the patch is global). */
async function complaints(library: keyof typeof LIBRARY): Promise<string[]> {
  const script = `
    const { Admin, Producer } = (${LIBRARY[library]});
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

describe.skipIf(!existsSync(bundle))("the producer thread's schemas, compiled on first use", () => {
  test("the library's validators accept and refuse the same options, with the same messages", async () => {
    const [eager, patched, bundled] = await Promise.all([
      complaints("package"),
      complaints("patched"),
      complaints("bundle"),
    ]);
    expect(patched).toEqual(eager);
    expect(bundled).toEqual(eager);
    expect(eager).toHaveLength(6);
    expect(eager[0]).toMatch(/clientId must be string/);
    expect(eager[4]).toBe("accepted");
    expect(eager[5]).toMatch(/topics/);
  });

  test("the built library is one file that imports none of the package's modules", () => {
    const text = readFileSync(bundle, "utf8");
    const imported = [...text.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(imported.filter((s) => !s.startsWith("node:"))).toEqual(["@platformatic/wasm-utils", "crypto"]);
    // The bundle's ajv is the patched one: the patch is called on it before the library's first schema.
    const patchedAt = text.indexOf("compileOnFirstUse((");
    expect(patchedAt).toBeGreaterThan(0);
    expect(patchedAt).toBeLessThan(text.indexOf("ajv.compile("));
  });
});
