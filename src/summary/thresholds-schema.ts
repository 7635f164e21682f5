import { z } from "zod";
import { durationSchema } from "../config/duration.js";
import { METRICS, parseThresholdMap } from "./thresholds.js";

/** One condition: a string, or k6's object form that may stop the run early. */
const condition = z.union([
  z.string(),
  z.strictObject({
    threshold: z.string().describe("The condition, e.g. `p(95)<500`."),
    abort_on_fail: z
      .boolean()
      .default(false)
      .describe(
        "Checked every second during the run too: once crossed, the run stops (a clean shutdown, exit 99).",
      ),
    delay: durationSchema()
      .prefault("0s")
      .describe("With abort_on_fail: not checked before this much time into the run (let a warm-up pass)."),
  }),
]);

/** The config's `thresholds:` key: metric (with an optional tag filter) → conditions, checked at load. */
export const thresholdsSchema = z
  .record(z.string(), z.array(condition))
  .default({})
  .superRefine((map, ctx) => {
    for (const p of parseThresholdMap(map).problems)
      ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  })
  .describe(
    `Pass/fail conditions checked at the end of the run (k6's syntax): e.g. \`http_req_duration: ["p(95)<500"]\`, \`"http_req_duration{endpoint:/api/cart}": ["p(99)<1500"]\`, \`http_req_failed: ["rate<0.01"]\`, or \`{ threshold: "rate<0.05", abort_on_fail: true, delay: 30s }\` to stop the run once crossed. A crossed one makes the exit status 99. Metrics: ${Object.keys(METRICS).join(", ")}; tags: workflow, endpoint, method, status, status_class.`,
  );
