import { endpointsOf } from "./graph.js";
import { END, type Workflow } from "./types.js";

/** The formats `drawWorkflow` writes: Mermaid (renders in a GitHub README) and Graphviz DOT. */
export const DIAGRAM_FORMATS = ["mermaid", "dot"] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

/** What a node's label says besides its template; the caller resolves the engine's defaults. */
export interface NodeInfo {
  method: string;
  /** Mean response time in ms; absent, the label has none. */
  meanMs?: number;
}

export interface DiagramOptions {
  format: DiagramFormat;
  describe: (template: string) => NodeInfo;
}

/** Ids of the two nodes that are not endpoints; endpoint ids start with `n_`, so none collides. */
export const START_ID = "session_start";
export const END_ID = "session_end";

interface DiagramNode {
  id: string;
  template: string;
  info: NodeInfo;
  exit: boolean;
}

interface DiagramEdge {
  from: string;
  to: string;
  /** Absent on the dotted edge from an exit point to the end. */
  p?: number;
}

interface Diagram {
  name: string;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

/** Byte order, not locale order, so that the output is the same on every machine. */
function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Node ids must be plain identifiers, since templates hold `/`, `{` and `}`. Two templates that
 * sanitize alike (`/a-b`, `/a_b`) get a numeric suffix, in sorted order, so ids are stable.
 */
function nodeIds(templates: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const t of templates) {
    const base = `n_${t.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "root"}`;
    let id = base;
    for (let i = 2; taken.has(id); i++) id = `${base}_${i}`;
    taken.add(id);
    ids.set(t, id);
  }
  return ids;
}

/** Targets of a row with a positive probability, endpoints in byte order and `$end` last. */
function sortedRow(row: Readonly<Record<string, number>>): [string, number][] {
  const entries = Object.entries(row).filter(([, p]) => p > 0);
  const rank = (t: string) => (t === END ? 1 : 0);
  return entries.sort(([a], [b]) => rank(a) - rank(b) || byCode(a, b));
}

/**
 * The workflow as nodes and edges, sorted. An exit point's own row is left out: reaching an exit ends
 * the session, so the walk never uses that row (validate warns about it); a dotted edge to the end says so.
 */
function diagramOf(w: Workflow, describe: (template: string) => NodeInfo): Diagram {
  const templates = endpointsOf(w).sort(byCode);
  const ids = nodeIds(templates);
  const id = (t: string) => (t === END ? END_ID : ids.get(t)!);
  const exits = new Set(w.exit_points);
  const nodes = templates.map((t) => ({ id: id(t), template: t, info: describe(t), exit: exits.has(t) }));
  const edges: DiagramEdge[] = sortedRow(w.entry_points).map(([t, p]) => ({ from: START_ID, to: id(t), p }));
  for (const t of templates) {
    if (exits.has(t)) edges.push({ from: id(t), to: END_ID });
    else for (const [to, p] of sortedRow(w.transitions[t] ?? {})) edges.push({ from: id(t), to: id(to), p });
  }
  return { name: w.name, nodes, edges };
}

/** A probability as an edge label: three significant digits, trailing zeros trimmed (0.35, 1, 0.00004). */
export function formatProbability(p: number): string {
  return String(Number(p.toPrecision(3)));
}

/** A mean latency as a label shows it: whole milliseconds, or two significant digits below 10 ms. */
export function formatMs(ms: number): string {
  return String(ms >= 10 ? Math.round(ms) : Number(ms.toPrecision(2)));
}

function labelLines(node: DiagramNode): string[] {
  const lines = [`${node.info.method} ${node.template}`];
  if (node.info.meanMs !== undefined) lines.push(`mean ${formatMs(node.info.meanMs)} ms`);
  return lines;
}

/**
 * Mermaid entity codes for every character that its parser or GitHub's renderer could read as
 * syntax or HTML: quotes end a label, braces confuse some renderers even inside quotes, `#` starts a code.
 */
function mermaidText(text: string): string {
  return text.replace(/[#"{}<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

function mermaid(d: Diagram): string {
  const out = ["flowchart LR", `  %% workflow ${mermaidText(d.name).replace(/\s+/g, " ")}`];
  out.push(`  ${START_ID}(("start"))`, `  ${END_ID}((("end")))`);
  for (const n of d.nodes) out.push(`  ${n.id}["${labelLines(n).map(mermaidText).join("<br/>")}"]`);
  for (const e of d.edges) {
    out.push(
      e.p === undefined ? `  ${e.from} -.-> ${e.to}` : `  ${e.from} -->|${formatProbability(e.p)}| ${e.to}`,
    );
  }
  const exits = d.nodes.filter((n) => n.exit).map((n) => n.id);
  // A thick border marks an exit in both GitHub's light and dark themes, where a fill colour would not.
  out.push("  classDef exit stroke-width:4px");
  if (exits.length > 0) out.push(`  class ${exits.join(",")} exit`);
  return `${out.join("\n")}\n`;
}

/** A DOT quoted string: backslash and quote escaped, line breaks as DOT's `\n`. */
function dotString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r?\n/g, "\\n")}"`;
}

function dot(d: Diagram): string {
  const out = [
    `digraph ${dotString(d.name)} {`,
    "  rankdir=LR;",
    '  node [shape=box, fontname="Helvetica"];',
  ];
  out.push('  edge [fontname="Helvetica"];');
  out.push(`  ${START_ID} [label="start", shape=circle];`, `  ${END_ID} [label="end", shape=doublecircle];`);
  for (const n of d.nodes) {
    const label = dotString(labelLines(n).join("\n"));
    out.push(`  ${n.id} [label=${label}${n.exit ? ", peripheries=2, style=bold" : ""}];`);
  }
  for (const e of d.edges) {
    const attrs = e.p === undefined ? "style=dashed" : `label="${formatProbability(e.p)}"`;
    out.push(`  ${e.from} -> ${e.to} [${attrs}];`);
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}

/**
 * Draws a validated workflow: one node per endpoint (method, template, mean latency), an edge per
 * positive transition labelled with its probability, a start node with the entry probabilities, an end
 * node for `$end`, exit points marked. Sorted, so the same workflow gives the same bytes.
 */
export function drawWorkflow(w: Workflow, options: DiagramOptions): string {
  const d = diagramOf(w, options.describe);
  return options.format === "dot" ? dot(d) : mermaid(d);
}
