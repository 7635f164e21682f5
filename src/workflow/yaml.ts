import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type ParsedNode,
  parseDocument,
  type YAMLError,
} from "yaml";
import { ErrorCode, type Problem, TwError } from "../errors.js";
import { formatPath, type Issue, type Segment } from "./path.js";
import type { Workflow } from "./types.js";
import { workflowIssues } from "./validate.js";
import { braceHint } from "./yaml-hint.js";

export { workflowToYaml } from "./to-yaml.js";

interface Located extends Problem {
  line: number;
  col: number;
}

/** A valid workflow and the warnings found in it, each located at `source:line:col path`. */
export interface CheckedWorkflow {
  workflow: Workflow;
  warnings: Problem[];
}

/** Parses YAML (or JSON) text into a validated workflow; throws TW_WORKFLOW_INVALID listing every problem at `source:line:col`. */
export function parseWorkflow(text: string, source: string): Workflow {
  return parseCheckedWorkflow(text, source).workflow;
}

/** As parseWorkflow, and also returns the warnings, which do not make the workflow invalid. */
export function parseCheckedWorkflow(text: string, source: string): CheckedWorkflow {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    throw invalid(
      source,
      doc.errors.map((e) => syntaxProblem(e, source, text)),
    );
  }
  const value = toValue(doc, source);
  // Stable sort: problems in the order they appear in the file, ties in order of discovery.
  const located = workflowIssues(value)
    .map((issue) => ({ issue, at: locateIssue(issue, doc.contents, lineCounter, source) }))
    .sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col);
  const pick = (warning: boolean): Problem[] =>
    located
      .filter(({ issue }) => (issue.severity === "warning") === warning)
      .map(({ at: { path, message } }) => ({ path, message }));
  const problems = pick(false);
  if (problems.length > 0) throw invalid(source, problems);
  return { workflow: value as Workflow, warnings: pick(true) };
}

function toValue(doc: Document.Parsed, source: string): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    // yaml refuses documents whose aliases expand beyond a limit (a "billion laughs" file).
    throw invalid(source, [{ path: source, message: `YAML error: ${(err as Error).message}` }]);
  }
}

function invalid(source: string, problems: Problem[]): TwError {
  return new TwError(ErrorCode.WORKFLOW_INVALID, `${source}: invalid workflow`, { problems });
}

function syntaxProblem(error: YAMLError, source: string, text: string): Problem {
  // yaml appends " at line L, column C:" and a source excerpt; the position goes in the path instead.
  const message =
    error.code === "MULTIPLE_DOCS"
      ? "a workflow file holds one YAML document, this one has more"
      : (error.message.split(" at line ")[0] ?? error.message).split("\n")[0]!;
  const pos = error.linePos?.[0];
  const hint = pos ? braceHint(text.split(/\r?\n/)[pos.line - 1] ?? "", pos.col) : undefined;
  return {
    path: pos ? `${source}:${pos.line}:${pos.col}` : source,
    message: `YAML syntax error: ${message}${hint ? `; ${hint}` : ""}`,
  };
}

function locateIssue(issue: Issue, root: ParsedNode | null, lines: LineCounter, source: string): Located {
  const offset = offsetOf(root, issue.path);
  const where = offset === undefined ? undefined : lines.linePos(offset);
  const path = formatPath(issue.path);
  if (!where) return { path: `${source} ${path}`, message: issue.message, line: 0, col: 0 };
  return { path: `${source}:${where.line}:${where.col} ${path}`, ...where, message: issue.message };
}

/** Offset of the deepest node along a path: a map entry's key, a list's item; an ancestor when the rest is missing. */
function offsetOf(root: ParsedNode | null, path: readonly Segment[]): number | undefined {
  let node: unknown = root;
  let offset = root?.range[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as ParsedNode).range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
      node = node.items[seg];
      offset = (node as ParsedNode).range[0];
    } else break;
  }
  return offset;
}
