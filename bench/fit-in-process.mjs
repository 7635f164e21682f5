// fit run in the bench's own process (fitInputs of a build's dist/): CPU time with no CLI start-up.
// Shared by bench/fit.mjs and bench/fit-ab.mjs, so both time the same work with the same options.

/**
 * The fit options of the benches: every endpoint kept, no smoothing, the default session gap, and one
 * thread (CPU time per event is the figure: the two halves' reading is timed on the CLI).
 */
export const FIT_OPTIONS = {
  name: "bench",
  minCount: 0,
  smooth: 0,
  format: undefined,
  strict: false,
  gapMs: 1_800_000,
  templates: [],
  threads: 1,
};

/** Runs `fitInputs` (a build's) on `path`: the calls read and the CPU seconds it took. */
export async function fitCpu(fitInputs, path) {
  const c0 = process.cpuUsage();
  const report = await fitInputs([path], FIT_OPTIONS);
  const c = process.cpuUsage(c0);
  return { calls: report.sessions.calls, cpu: (c.user + c.system) / 1e6 };
}
