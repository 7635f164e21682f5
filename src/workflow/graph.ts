import type { Issue, Segment } from "./path.js";
import { asMap, asNumber, rawEndpoints, rawExits } from "./raw.js";
import { END, type Workflow } from "./types.js";

/** The endpoints of a workflow in a stable order: transitions keys as written, then exit points not listed yet. */
export function endpointsOf(w: Workflow): string[] {
  return rawEndpoints(w);
}

interface Graph {
  endpoints: string[];
  exits: Set<string>;
  /** Edges with positive probability between known endpoints; exits have none, since they end a session. */
  next: Map<string, string[]>;
  /** Endpoints that can end the session directly: exits and rows with a positive `$end`. */
  terminal: Set<string>;
  entries: string[];
}

function buildGraph(workflow: unknown): Graph {
  const root = asMap(workflow);
  const endpoints = rawEndpoints(workflow);
  const known = new Set(endpoints);
  const exits = rawExits(workflow);
  const next = new Map<string, string[]>();
  const terminal = new Set(exits);
  const transitions = asMap(root?.transitions) ?? {};
  for (const source of endpoints) {
    const row = asMap(transitions[source]);
    if (exits.has(source) || !row) continue;
    const targets: string[] = [];
    for (const [target, p] of Object.entries(row)) {
      // A probability of the wrong type is reported by the schema; counting its edge avoids a cascade
      // of "unreachable" reports that would only restate that one problem.
      if ((asNumber(p) ?? 1) <= 0) continue;
      if (target === END) terminal.add(source);
      else if (known.has(target)) targets.push(target);
    }
    next.set(source, targets);
  }
  const entryMap = asMap(root?.entry_points) ?? {};
  const entries = Object.keys(entryMap).filter((e) => known.has(e) && (asNumber(entryMap[e]) ?? 1) > 0);
  return { endpoints, exits, next, terminal, entries };
}

function closure(start: Iterable<string>, step: (node: string) => readonly string[]): Set<string> {
  const seen = new Set(start);
  const queue = [...seen];
  for (let node = queue.pop(); node !== undefined; node = queue.pop()) {
    for (const n of step(node)) {
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
    }
  }
  return seen;
}

/** Where an endpoint is declared: its transitions row, or else its place in exit_points. */
function endpointPath(workflow: unknown, endpoint: string): Segment[] {
  const exits = asMap(workflow)?.exit_points;
  const row = asMap(asMap(workflow)?.transitions)?.[endpoint];
  if (row === undefined && Array.isArray(exits)) return ["exit_points", exits.indexOf(endpoint)];
  return ["transitions", endpoint];
}

/** Finds endpoints no session can visit and endpoints from which no session can end. */
export function graphIssues(workflow: unknown): Issue[] {
  if (!asMap(workflow)) return [];
  const g = buildGraph(workflow);
  const reachable = closure(g.entries, (n) => g.next.get(n) ?? []);
  const previous = new Map<string, string[]>();
  for (const [source, targets] of g.next) {
    for (const t of targets) previous.set(t, [...(previous.get(t) ?? []), source]);
  }
  const canEnd = closure(g.terminal, (n) => previous.get(n) ?? []);
  const issues: Issue[] = [];
  for (const endpoint of g.endpoints) {
    const path = endpointPath(workflow, endpoint);
    if (g.entries.length > 0 && !reachable.has(endpoint)) {
      issues.push({ path, message: `"${endpoint}" is unreachable from every entry point` });
    }
    // A dead end (empty row) is reported once, as such, by checks.ts.
    const deadEnd = (g.next.get(endpoint)?.length ?? 0) === 0 && !g.terminal.has(endpoint);
    if (!canEnd.has(endpoint) && !deadEnd) {
      issues.push({
        path,
        message: `no exit point or ${END} can be reached from "${endpoint}", so a session there never ends`,
      });
    }
  }
  return issues;
}
