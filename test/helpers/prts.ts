import { execFileSync } from "node:child_process";

/** One array pair and the options to score it with, as prts' ts_precision/ts_recall take them. */
export interface PrtsCase {
  real: number[];
  pred: number[];
  alpha: number;
  bias: string;
  cardinality: string;
}

// Reads the cases as JSON on stdin and prints [[precision, recall], ...] in the same order.
const SCRIPT = `
import json, sys
import numpy as np
from prts import ts_precision, ts_recall
out = []
for c in json.load(sys.stdin):
    real, pred = np.array(c["real"]), np.array(c["pred"])
    kw = dict(alpha=c["alpha"], cardinality=c["cardinality"], bias=c["bias"])
    out.append([float(ts_precision(real, pred, **kw)), float(ts_recall(real, pred, **kw))])
print(json.dumps(out))
`;

/**
 * Range precision and recall of each case by the reference implementation, the PyPI package prts
 * (`pip install --no-deps prts`, with numpy; .ci/run installs both). Every array needs a 1 in it:
 * prts fails on an array without.
 */
export function prtsScores(cases: PrtsCase[]): [number, number][] {
  try {
    execFileSync("python3", ["-c", "import prts, numpy"], { stdio: "pipe" });
  } catch (err) {
    throw new Error(
      `prts is required by this test (pip install numpy && pip install --no-deps prts): ${String(err)}`,
    );
  }
  const stdout = execFileSync("python3", ["-c", SCRIPT], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return JSON.parse(stdout) as [number, number][];
}
