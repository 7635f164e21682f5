import type { CascadeConfig } from "../config/cascade.js";
import { ErrorCode, type Problem, TwError } from "../errors.js";
import type { Workflow } from "../workflow/types.js";
import { globToRegExp } from "./modifier.js";
import type { CascadeEffects, CascadeWindow } from "./plan.js";

/** One service of the union map: the endpoints it serves and the services it calls. */
export interface ServiceNode {
  readonly endpoints: readonly string[];
  readonly depends_on: readonly string[];
}

/** The services of the run's workflows by name, in order of first appearance. */
export type ServiceMap = ReadonlyMap<string, ServiceNode>;

/** How a window climbs the service map: the `propagate` of its cascade. */
export interface Propagation {
  to_callers: boolean;
  delay: number;
  damping: number;
}

/** The union of the workflows' service maps: a service named in several has all their endpoints and dependencies. */
export function serviceMapOf(workflows: readonly Workflow[]): ServiceMap {
  const map = new Map<string, { endpoints: string[]; depends_on: string[] }>();
  for (const w of workflows) {
    for (const [name, s] of Object.entries(w.services ?? {})) {
      let node = map.get(name);
      if (!node) {
        node = { endpoints: [], depends_on: [] };
        map.set(name, node);
      }
      addNew(node.endpoints, s.endpoints ?? []);
      addNew(node.depends_on, s.depends_on ?? []);
    }
  }
  return map;
}

function addNew(list: string[], items: readonly string[]): void {
  for (const item of items) if (!list.includes(item)) list.push(item);
}

/** The services whose endpoints a window's endpoint globs match; none without `scope.endpoints`. */
export function servicesMatched(globs: readonly string[] | undefined, map: ServiceMap): string[] {
  if (!globs) return [];
  const re = globToRegExp(globs);
  return [...map].filter(([, s]) => s.endpoints.some((e) => re.test(e))).map(([name]) => name);
}

/** For each service, the services that depend on it, sorted by name so that hops come out the same every time. */
function callersOf(map: ServiceMap): Map<string, string[]> {
  const callers = new Map<string, string[]>();
  for (const [name, s] of map) {
    for (const dep of s.depends_on) callers.set(dep, [...(callers.get(dep) ?? []), name]);
  }
  for (const list of callers.values()) list.sort();
  return callers;
}

function damped(e: CascadeEffects, damping: number): CascadeEffects {
  return {
    slow: { ...e.slow, probability: e.slow.probability * damping },
    timeout: { ...e.timeout, probability: e.timeout.probability * damping },
    unavailable: { ...e.unavailable, probability: e.unavailable.probability * damping },
    retry: { ...e.retry, probability: e.retry.probability * damping },
  };
}

/** The window one hop up from `from`, in the caller `service`: later by the delay, weaker by the damping. */
function hopWindow(from: CascadeWindow, service: string, node: ServiceNode, p: Propagation): CascadeWindow {
  return {
    ...from,
    cascade_id: `${from.cascade_id}.${service}`,
    start: from.start + p.delay,
    end: from.end + p.delay,
    scope: { ...from.scope, endpoints: [...node.endpoints] },
    effects: damped(from.effects, p.damping),
    origin: from.cascade_id,
    hop: from.hop + 1,
    service,
  };
}

/**
 * The windows a window sends up the service map: the callers of the services it starts in get a hop
 * after `delay` with probabilities times `damping`, their callers one from that hop, and so on,
 * breadth-first, each service at most once (cycles end). A caller that serves no endpoint is not
 * reached, since none of its calls could show the hop. Sorted by start, then cascade_id. Pure.
 */
export function hopsOf(origin: CascadeWindow, map: ServiceMap, p: Propagation): CascadeWindow[] {
  if (!p.to_callers) return [];
  const callers = callersOf(map);
  const reached = new Set(servicesMatched(origin.scope.endpoints, map));
  let frontier = [...reached].sort().map((service) => ({ service, window: origin }));
  const hops: CascadeWindow[] = [];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { service, window } of frontier) {
      for (const caller of callers.get(service) ?? []) {
        const node = map.get(caller);
        if (reached.has(caller) || !node || node.endpoints.length === 0) continue;
        reached.add(caller);
        const hop = hopWindow(window, caller, node, p);
        hops.push(hop);
        next.push({ service: caller, window: hop });
      }
    }
    // A caller of two services of one level is reached from the first of them by name.
    frontier = next.sort((a, b) => (a.service < b.service ? -1 : 1));
  }
  return hops.sort((a, b) => a.start - b.start || (a.cascade_id < b.cascade_id ? -1 : 1));
}

/**
 * Problems of cascades that propagate where they cannot: no workflow has a service map, or the
 * cascade's endpoint globs (required) match no service. Paths as in the config: `cascades[0].propagate`.
 */
export function propagationProblems(cascades: readonly CascadeConfig[], map: ServiceMap): Problem[] {
  const problems: Problem[] = [];
  cascades.forEach((c, i) => {
    if (!c.propagate) return;
    const path = `cascades[${i}].propagate`;
    if (map.size === 0) {
      problems.push({ path, message: "no workflow has a services map to propagate along" });
    } else if (!c.scope.endpoints) {
      problems.push({
        path,
        message: "needs scope.endpoints: propagation starts in the services whose endpoints they match",
      });
    } else if (servicesMatched(c.scope.endpoints, map).length === 0) {
      problems.push({
        path,
        message: `scope.endpoints ${JSON.stringify(c.scope.endpoints)} match no endpoint of a service (services: ${[...map.keys()].join(", ")})`,
      });
    }
  });
  return problems;
}

/**
 * The run's service map, once its cascades are known to propagate along it; a config whose
 * `propagate` has nothing to climb is refused (exit 2) naming the cascade.
 */
export function checkedServiceMap(
  cascades: readonly CascadeConfig[],
  workflows: readonly Workflow[],
  source = "config",
): ServiceMap {
  const map = serviceMapOf(workflows);
  const problems = propagationProblems(cascades, map);
  if (problems.length > 0)
    throw new TwError(ErrorCode.CONFIG_INVALID, `${source}: invalid config`, { problems });
  return map;
}

/** The hops of each root window of the cascades that propagate (for the timeline). */
export function hopsFor(
  cascades: readonly CascadeConfig[],
  map: ServiceMap,
): (w: CascadeWindow) => CascadeWindow[] {
  const byName = new Map(cascades.map((c) => [c.name, c.propagate]));
  return (w) => {
    const p = byName.get(w.name);
    return p === undefined ? [] : hopsOf(w, map, p);
  };
}
