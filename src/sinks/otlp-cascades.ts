import { globToRegExp } from "../cascade/index.js";
import type { CascadeLabel } from "../event/index.js";

/** What the label records say of one cascade window, for the spans of the calls it touched. */
export interface CascadeInfo {
  name: string;
  /** HTTP mode: the injectors that did inject the window's faults (the label's `inject`), if any. */
  injectedBy: readonly string[] | null;
  /** The root window of a propagated hop (itself for a root window). */
  root: string;
}

/** Cascades remembered at most: a name is a nicety, not ground truth; the oldest are forgotten first. */
const MAX_CASCADES = 100_000;

/**
 * The cascades the label stream announced, by id: their name, who injected them, and, with a
 * `services:` map, where each root window started (the services its endpoint globs match, hop 0)
 * and which services its hops reached (their label's `service` and `hop`), so that the service spans
 * of a touched call can say where the cascade came from. Bounded; fed only by label records, so a
 * call whose window was announced elsewhere (another shard) gets no name and no marks.
 */
export class CascadeBook {
  private readonly info = new Map<string, CascadeInfo>();
  /** Root window id → service → hop at which the cascade reached it (0: where it started). */
  private readonly reach = new Map<string, Map<string, number>>();

  /** `owner` maps each endpoint of the workflows' service maps to the service that serves it. */
  constructor(private readonly owner: ReadonlyMap<string, string> = new Map()) {}

  get(cascadeId: string): CascadeInfo | undefined {
    return this.info.get(cascadeId);
  }

  /** Where the cascade of window `cascadeId` has reached: service → hop; undefined when unknown. */
  reached(cascadeId: string): ReadonlyMap<string, number> | undefined {
    const info = this.info.get(cascadeId);
    return info === undefined ? undefined : this.reach.get(info.root);
  }

  add(l: CascadeLabel): void {
    // A per-session cascade (one record, no state) names its calls through their effect bits; one
    // per touched session would crowd the windows out of the bounded map.
    if (l.state === undefined) return;
    const known = this.info.get(l.cascade_id);
    const root = l.hop === undefined ? l.cascade_id : (this.info.get(l.origin ?? "")?.root ?? l.origin ?? "");
    const injectedBy = injectorsOf(l) ?? known?.injectedBy ?? null;
    remember(this.info, l.cascade_id, { name: l.name, injectedBy, root });
    if (known !== undefined || this.owner.size === 0) return;
    if (l.hop === undefined) {
      const origins = this.startedIn(l.scope.endpoints);
      if (origins.size > 0) remember(this.reach, l.cascade_id, origins);
    } else if (l.service !== undefined) {
      const r = this.reach.get(root);
      if (r !== undefined && !r.has(l.service)) r.set(l.service, l.hop);
    }
  }

  /** The services whose endpoints a root window's endpoint globs match (as propagation starts there). */
  private startedIn(globs: unknown): Map<string, number> {
    const out = new Map<string, number>();
    if (!Array.isArray(globs) || !globs.every((g) => typeof g === "string")) return out;
    const re = globToRegExp(globs);
    for (const [endpoint, service] of this.owner) if (re.test(endpoint)) out.set(service, 0);
    return out;
  }
}

/** Sets `key` last in the map's order, forgetting the oldest entry once the map is full. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= MAX_CASCADES) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** The injectors a label says did inject (`ok` entries), in the order given; null when it says none. */
function injectorsOf(l: CascadeLabel): string[] | null {
  if (!Array.isArray(l.inject)) return null;
  const by: string[] = [];
  for (const i of l.inject) if (i.ok !== false && !by.includes(i.by)) by.push(i.by);
  return by.length === 0 ? null : by;
}
