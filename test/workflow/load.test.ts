import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, TwError } from "../../src/errors.js";
import { endpointsOf, loadWorkflow, PRESETS, workflowToYaml } from "../../src/workflow/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewalk-load-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(ref: string): Promise<TwError> {
  const err = await loadWorkflow(ref).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TwError);
  return err as TwError;
}

describe("loadWorkflow", () => {
  it("loads a preset by name as a mutable copy", async () => {
    const w = await loadWorkflow("ecommerce");
    expect(w).toEqual(PRESETS.ecommerce);
    w.exit_points.push("/changed");
    expect(PRESETS.ecommerce!.exit_points).not.toContain("/changed");
  });

  it("loads a YAML file by path", async () => {
    const path = join(dir, "simple.yaml");
    await writeFile(path, workflowToYaml(PRESETS.simple!));
    expect(await loadWorkflow(path)).toEqual(PRESETS.simple);
  });

  it("loads the example workflow in config/workflows", async () => {
    const w = await loadWorkflow("config/workflows/checkout.yaml");
    expect(w.name).toBe("checkout");
    expect(Object.values(w.transitions).some((row) => "$end" in row)).toBe(true);
  });

  it("treats a bare name that exists on disk as a file", async () => {
    const cwd = process.cwd();
    await writeFile(join(dir, "shop"), workflowToYaml(PRESETS.simple!));
    process.chdir(dir);
    try {
      expect((await loadWorkflow("shop")).name).toBe("simple");
    } finally {
      process.chdir(cwd);
    }
  });

  it("reports a missing file as TW_INPUT_INVALID naming the path", async () => {
    const path = join(dir, "nope.yaml");
    const err = await loadError(path);
    expect(err.code).toBe(ErrorCode.INPUT_INVALID);
    expect(err.message).toBe(`${path}: cannot read workflow file: no such file`);
  });

  it("reports an unknown preset as TW_WORKFLOW_INVALID listing the presets", async () => {
    const err = await loadError("shopping");
    expect(err.code).toBe(ErrorCode.WORKFLOW_INVALID);
    expect(err.message).toMatch(
      /unknown workflow preset "shopping" \(presets: ecommerce, simple, microservices/,
    );
  });

  it("hands each warning to onWarning and still returns the workflow; a preset has none", async () => {
    const file = "test/fixtures/seed-guide/api_gateway.yaml";
    const warnings: unknown[] = [];
    const w = await loadWorkflow(file, (p) => warnings.push(p));
    expect(w.name).toBe("api_gateway");
    expect(warnings).toEqual([
      {
        path: `${file}:23:3 transitions["/metrics"]`,
        message: 'never used: "/metrics" is an exit point, so sessions end there',
      },
    ]);
    expect(await loadWorkflow(file)).toEqual(w);
    await loadWorkflow("ecommerce", (p) => warnings.push(p));
    expect(warnings).toHaveLength(1);
  });

  it("reports an invalid file with problems located in it", async () => {
    const path = join(dir, "bad.yaml");
    await writeFile(
      path,
      "name: bad\nentry_points: { /a: 1 }\ntransitions:\n  /a: { /b: 1 }\nexit_points: []\n",
    );
    const err = await loadError(path);
    expect(err.code).toBe(ErrorCode.WORKFLOW_INVALID);
    expect(err.problems[0]!.path).toBe(`${path}:4:9 transitions["/a"]["/b"]`);
  });
});

describe("endpointsOf", () => {
  it("lists transitions keys in order, then exit points not already listed", () => {
    expect(endpointsOf(PRESETS.simple!)).toEqual(["/home", "/products", "/about", "/checkout"]);
  });
});
