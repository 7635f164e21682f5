import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands/index.js";
import { collect, MAIN, runCli, tempDir } from "../helpers/cli.js";

// Runs the built CLI (npm test builds dist first). Start-up speed itself is measured in
// bench/startup.mjs; these tests pin down what makes it fast: which modules a command loads.

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** Libraries that only some commands need; loading one where it is not used costs start-up time. */
const HEAVY = ["kafkajs", "@platformatic/kafka", "hyparquet", "hyparquet-writer", "prom-client", "pino"];

const tmp = tempDir("tw-startup-");
let register: string;
beforeAll(() => {
  // A module hook that appends every URL the ESM loader resolves to the file named by TW_LOADED.
  const hooks = join(tmp.dir, "hooks.mjs");
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.TW_LOADED, r.url + "\\n");
  return r;
}
`,
  );
  register = join(tmp.dir, "register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
});
afterAll(() => tmp.remove());

/** Runs the CLI and returns its exit code and the modules it loaded: dist files and package names. */
async function loadedBy(name: string, args: string[]) {
  const log = join(tmp.dir, `${name}.loaded`);
  writeFileSync(log, "");
  const child = spawn(process.execPath, ["--import", register, MAIN, ...args], {
    env: { ...process.env, TW_LOADED: log },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const r = await collect(child);
  const urls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const packages = new Set(
    urls.flatMap((u) => {
      const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
      return m ? [m[1]!] : [];
    }),
  );
  const dist = urls.flatMap((u) => (u.includes("/dist/") ? [u.slice(u.indexOf("/dist/") + 1)] : []));
  return { ...r, packages, dist };
}

describe("tracewalk --version and --help", () => {
  it("--version prints the version of package.json", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("--help lists every command with its summary", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of commands)
      expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${escapeRegExp(c.summary)}$`, "m"));
  });

  it("registers every file in src/cli/commands, each loading a command with its own usage", async () => {
    const files = readdirSync(new URL("../../src/cli/commands/", import.meta.url))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => f.replace(/\.ts$/, ""));
    expect(commands.map((c) => c.name).sort()).toEqual(files.sort());
    for (const c of commands) {
      const command = await c.load();
      expect(command.usage).toMatch(new RegExp(`^Usage: tracewalk ${c.name}\\b`));
    }
  });

  it("<command> --help prints that command's usage, exit 0", async () => {
    const validate = await commands.find((c) => c.name === "validate")!.load();
    const r = await runCli(["validate", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${validate.usage}\n`);
  });

  it("an unknown command exits 2 with the list of commands", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    for (const c of commands) expect(r.stderr).toContain(`  ${c.name} `);
  });
});

describe("what a command loads", () => {
  it("--version and --help load no package and no command", async () => {
    for (const args of [["--version"], ["--help"]]) {
      const r = await loadedBy(args[0]!.slice(2), args);
      expect(r.code).toBe(0);
      expect([...r.packages]).toEqual([]);
      expect(r.dist.filter((d) => d.startsWith("dist/cli/commands/") && !d.endsWith("/index.js"))).toEqual(
        [],
      );
    }
  });

  it("validate of a workflow file loads neither the config schema nor Kafka, Parquet, metrics or logging", async () => {
    const r = await loadedBy("validate", ["validate", "config/workflows/checkout.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok  config/workflows/checkout.yaml");
    for (const name of HEAVY) expect(r.packages.has(name), name).toBe(false);
    expect(r.dist).not.toContain("dist/config/schema.js");
    expect(r.dist).toContain("dist/workflow/schema.js"); // the hook does see what validate needs
  });

  it("validate of a config file still loads the config schema and checks it", async () => {
    const r = await loadedBy("validate-config", ["validate", "config/tracewalk.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok  config/tracewalk.yaml (config,");
    expect(r.dist).toContain("dist/config/schema.js");
  });

  it("fit loads no zod (config, workflow or label schemas), no engine and no seedrandom, and says the same twice", async () => {
    // Event v1 lines of two sessions; fit writes the workflow and its report. Run twice: on a Node with
    // a compile cache (>= 22.1) the second run reads the modules from that cache, and nothing changes.
    const input = join(tmp.dir, "fit-input.jsonl");
    const line = (s: number, i: number, endpoint: string, ms: number) =>
      JSON.stringify({
        event_id: `e${s}-${i}`,
        timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, s * 60 + i)).toISOString(),
        workflow: "w",
        user_id: `u-${s}`,
        user_type: "guest",
        session_id: `s-${s}`,
        call_index: i,
        endpoint,
        path: endpoint,
        method: "GET",
        params: {},
        status_code: 200,
        response_time_ms: ms,
        is_retry: false,
        cascade_id: null,
      });
    const lines = [0, 1].flatMap((s) => [line(s, 0, "/home", 12), line(s, 1, "/cart", 30 + s)]);
    writeFileSync(input, `${lines.join("\n")}\n`);
    const outs: string[] = [];
    for (const n of [1, 2]) {
      const out = join(tmp.dir, `fitted-${n}.yaml`);
      const r = await loadedBy(`fit-${n}`, ["fit", "--input", input, "--out", out, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      for (const name of [...HEAVY, "zod", "seedrandom"]) expect(r.packages.has(name), name).toBe(false);
      expect(r.dist.filter((d) => d.startsWith("dist/sim/"))).toEqual([]);
      expect(r.packages.has("yaml")).toBe(true); // the hook does see what fit needs
      outs.push(`${readFileSync(out, "utf8")}\n--\n${r.stdout}\n--\n${r.stderr}`);
    }
    expect(outs[0]).toContain("/cart");
    expect(outs[1]).toBe(outs[0]);
  });

  it("run into a file loads the metrics and logging libraries but no Kafka client nor Parquet", async () => {
    const out = join(tmp.dir, "events.jsonl");
    const r = await loadedBy("run", [
      "run",
      "--speed",
      "max",
      "--duration",
      "1m",
      "--out",
      out,
      "--set",
      "metrics.enabled=false",
      "--log-level",
      "error",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8").length).toBeGreaterThan(0);
    expect(r.packages.has("prom-client")).toBe(true);
    expect(r.packages.has("pino")).toBe(true);
    for (const name of ["kafkajs", "@platformatic/kafka", "hyparquet", "hyparquet-writer"]) {
      expect(r.packages.has(name), name).toBe(false);
    }
  });

  it("run into a parquet sink loads the Parquet writer on demand and writes a Parquet file", async () => {
    const out = join(tmp.dir, "events.parquet");
    const r = await loadedBy("run-parquet", [
      "run",
      "--speed",
      "max",
      "--duration",
      "1m",
      "--set",
      `sinks=[{type: parquet, path: ${JSON.stringify(out)}}]`,
      "--set",
      "metrics.enabled=false",
      "--log-level",
      "error",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 4).toString()).toBe("PAR1");
    expect(bytes.subarray(-4).toString()).toBe("PAR1");
    expect(r.packages.has("hyparquet-writer")).toBe(true);
    for (const name of ["kafkajs", "@platformatic/kafka"]) expect(r.packages.has(name), name).toBe(false);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
