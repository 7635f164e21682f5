import { z } from "zod";

/** A `[min, max]` pair. */
const pair = z.array(z.number()).length(2);

/** What a cascade does to the calls it touches: one shape for window and per-session cascades (ms). */
export const labelEffects = z
  .strictObject({
    slow: z
      .strictObject({ probability: z.number().min(0).max(1), factor: pair })
      .describe("Share of touched calls slowed, and the [min, max] factor their latency is multiplied by."),
    timeout: z
      .strictObject({ probability: z.number().min(0).max(1), after: z.number(), status: z.number().int() })
      .describe("Share of touched calls that time out: `status` after `after` ms."),
    unavailable: z
      .strictObject({ probability: z.number().min(0).max(1), status: z.number().int() })
      .describe("Share of touched calls refused with `status` (exclusive with timeout)."),
    retry: z
      .strictObject({ probability: z.number().min(0).max(1), backoff: pair, max: z.number().int().min(0) })
      .describe("Share of touched calls retried after a [min, max] ms backoff, at most `max` times."),
  })
  .describe("The effects a cascade applies (probabilities at full severity).");

/** One injection made for a window (HTTP mode): by which injector, when, and what it says of it. */
const injection = z.looseObject({
  by: z.string().describe("The injector: toxiproxy, envoy, client, webhook."),
  at: z.iso.datetime({ precision: 3 }).describe("When it was injected (or confirmed)."),
});

/** A cascade label record: the ground truth of one cascade window or per-session cascade. */
export const labelRecord = z
  .strictObject({
    cascade_id: z.string().describe("The id calls it touched carry in `cascade_id`."),
    name: z.string().describe('The cascade\'s name; "session-cascade" for a per-session cascade.'),
    state: z
      .enum(["open", "closed"])
      .optional()
      .describe(
        "A window writes `open` when it opens and `closed` when it closes; a per-session cascade one record, without state.",
      ),
    start: z.iso.datetime({ precision: 3 }).describe("Start (RFC 3339, ms, UTC)."),
    end: z.iso.datetime({ precision: 3 }).describe("End (RFC 3339, ms, UTC)."),
    scope: z.record(z.string(), z.unknown()).describe("Which calls it may touch."),
    effects: labelEffects,
    triggered: z.boolean().optional().describe("Opened by hand (the control API), not by the schedule."),
    origin: z.string().optional().describe("For a propagated hop: the window it came from."),
    hop: z.number().int().optional().describe("For a propagated hop: hops from the root window."),
    service: z.string().optional().describe("For a propagated hop: the service it reached."),
    cut: z.boolean().optional().describe("The run ended before the window did."),
    inject: z
      .union([z.literal("none"), z.array(injection)])
      .optional()
      .describe('HTTP mode: what injected the faults, by whom and when, or "none" (announced only).'),
  })
  .describe("tracewalk cascade label record: the ground truth of one cascade.");

/** A cascade label record (see `labelRecord`, its source). */
export type CascadeLabel = z.output<typeof labelRecord>;
export type LabelEffects = z.output<typeof labelEffects>;

/** The JSON Schema of a label record, as `tracewalk schema label` prints it. */
export function labelJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(labelRecord, { target: "draft-2020-12" }),
    $id: "https://tracewalk.dev/schema/label-v1.json",
    title: "tracewalk cascade label record",
  };
}
