import { z } from "zod";
import { METRICS, parseThresholdMap } from "./thresholds.js";

/** The config's `thresholds:` key: metric (with an optional tag filter) → conditions, checked at load. */
export const thresholdsSchema = z
  .record(z.string(), z.array(z.string()))
  .default({})
  .superRefine((map, ctx) => {
    for (const p of parseThresholdMap(map).problems)
      ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  })
  .describe(
    `Pass/fail conditions checked at the end of the run (k6's syntax): e.g. \`http_req_duration: ["p(95)<500"]\`, \`"http_req_duration{endpoint:/api/cart}": ["p(99)<1500"]\`, \`http_req_failed: ["rate<0.01"]\`. A crossed one makes the exit status 99. Metrics: ${Object.keys(METRICS).join(", ")}; tags: workflow, endpoint, method, status, status_class.`,
  );
