// Event v1 lines as `tracewalk generate` writes them (ecommerce, seed 1), for the benches that time one
// stage on real events: made by this checkout's CLI into a temp dir that is removed at once.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The JSONL lines of `generate --users N --seed 1`, without their newlines. */
export function generatedLines(users = 3000) {
  const here = new URL("..", import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), "tw-bench-lines-"));
  try {
    const out = join(dir, "e.jsonl");
    const args = [
      join(here, "dist/cli/main.js"),
      "generate",
      "--users",
      String(users),
      "--seed",
      "1",
      "--out",
      out,
    ];
    const r = spawnSync(process.execPath, [...args, "--no-progress"], { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`tracewalk generate exited ${r.status}`);
    return readFileSync(out, "utf8").split("\n").filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
