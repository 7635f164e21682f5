// Reads `tracewalk graph` output back into a workflow's shape, so tests compare it with the workflow
// it was drawn from: independent of the renderer, by the syntax of Mermaid and DOT.

/** What a drawn graph says: entry probabilities, rows by template (`$end` for the end node), exits. */
export interface ParsedGraph {
  labels: Map<string, string>;
  entry: Record<string, number>;
  transitions: Record<string, Record<string, number>>;
  exits: string[];
  /** Exits drawn with an edge to the end node that carries no probability. */
  exitEdges: string[];
}

const START = "session_start";
const END = "session_end";

/** Mermaid's entity codes (`#123;`) back to characters, and its line breaks to newlines. */
function mermaidDecode(text: string): string {
  return text.replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/<br\/>/g, "\n");
}

function dotDecode(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** The template of an endpoint node: its label's first line less the method. */
function template(label: string): string {
  const first = label.split("\n")[0]!;
  return first.slice(first.indexOf(" ") + 1);
}

function assemble(
  labels: Map<string, string>,
  edges: { from: string; to: string; p?: number }[],
  exitIds: string[],
): ParsedGraph {
  const name = (id: string) => (id === END ? "$end" : template(labels.get(id) ?? `?${id}`));
  const g: ParsedGraph = {
    labels,
    entry: {},
    transitions: {},
    exits: exitIds.map(name).sort(),
    exitEdges: [],
  };
  for (const e of edges) {
    if (e.p === undefined) {
      if (e.to === END) g.exitEdges.push(name(e.from));
      continue;
    }
    if (e.from === START) g.entry[name(e.to)] = e.p;
    else {
      const row = g.transitions[name(e.from)] ?? {};
      row[name(e.to)] = e.p;
      g.transitions[name(e.from)] = row;
    }
  }
  g.exitEdges.sort();
  return g;
}

/** Parses the Mermaid flowchart `tracewalk graph` writes; throws on a line it does not know. */
export function parseMermaid(text: string): ParsedGraph {
  const lines = text.trimEnd().split("\n");
  if (lines[0] !== "flowchart LR") throw new Error(`first line: ${lines[0]}`);
  const labels = new Map<string, string>();
  const edges: { from: string; to: string; p?: number }[] = [];
  let exits: string[] = [];
  for (const line of lines.slice(1)) {
    const node = /^ {2}(n_\w+)\["([^"]*)"\]$/.exec(line);
    const edge = /^ {2}(\w+) -->\|([^|]+)\| (\w+)$/.exec(line);
    const dotted = /^ {2}(\w+) -\.-> (\w+)$/.exec(line);
    const exitClass = /^ {2}class ([\w,]+) exit$/.exec(line);
    if (node) labels.set(node[1]!, mermaidDecode(node[2]!));
    else if (edge) edges.push({ from: edge[1]!, to: edge[3]!, p: Number(edge[2]) });
    else if (dotted) edges.push({ from: dotted[1]!, to: dotted[2]! });
    else if (exitClass) exits = exitClass[1]!.split(",");
    else if (
      !/^ {2}(%%.*|session_start\(\("start"\)\)|session_end\(\(\("end"\)\)\)|classDef exit .*)$/.test(line)
    ) {
      throw new Error(`unexpected Mermaid line: ${line}`);
    }
  }
  return assemble(labels, edges, exits);
}

/** Parses the DOT digraph `tracewalk graph --format dot` writes; throws on a line it does not know. */
export function parseDot(text: string): ParsedGraph {
  const lines = text.trimEnd().split("\n");
  if (!/^digraph "(?:[^"\\]|\\.)*" \{$/.test(lines[0]!) || lines.at(-1) !== "}")
    throw new Error("not a digraph");
  const labels = new Map<string, string>();
  const edges: { from: string; to: string; p?: number }[] = [];
  const exits: string[] = [];
  for (const line of lines.slice(1, -1)) {
    const node = /^ {2}(n_\w+) \[label="((?:[^"\\]|\\.)*)"(, peripheries=2, style=bold)?\];$/.exec(line);
    const edge = /^ {2}(\w+) -> (\w+) \[label="([^"]+)"\];$/.exec(line);
    const dashed = /^ {2}(\w+) -> (\w+) \[style=dashed\];$/.exec(line);
    if (node) {
      labels.set(node[1]!, dotDecode(node[2]!));
      if (node[3]) exits.push(node[1]!);
    } else if (edge) edges.push({ from: edge[1]!, to: edge[2]!, p: Number(edge[3]) });
    else if (dashed) edges.push({ from: dashed[1]!, to: dashed[2]! });
    else if (
      !/^ {2}(rankdir=LR;|node \[.*\];|edge \[.*\];|session_(start|end) \[label="(start|end)", shape=\w+\];)$/.test(
        line,
      )
    ) {
      throw new Error(`unexpected DOT line: ${line}`);
    }
  }
  return assemble(labels, edges, exits);
}
