import { readdirSync, readFileSync } from "node:fs";

// The documentation a user reads: the README (the guide) and docs/*.md (the reference). Tests that
// keep the text true read it through here, so that a section moved between files stays checked.

const ROOT = new URL("../../", import.meta.url);

/** README.md and every docs/*.md, as paths relative to the repository root, README first. */
export function docFiles(): string[] {
  const docs = readdirSync(new URL("docs/", ROOT))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** The text of a documentation file, by its path relative to the repository root. */
export function readDoc(file: string): string {
  return readFileSync(new URL(file, ROOT), "utf8");
}

export interface Fenced {
  /** The info string after the opening fence (`yaml`, `sh`, `mermaid`, or empty). */
  lang: string;
  /** 1-based line of the block's first content line. */
  line: number;
  text: string;
}

/** The fenced (```) code blocks of a Markdown text, with the line each one's content starts on. */
export function fencedBlocks(markdown: string, file = "markdown"): Fenced[] {
  const blocks: Fenced[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf("```", i + 1);
    if (end === -1) throw new Error(`${file}:${i + 1}: a code block that is never closed`);
    blocks.push({ lang: open[1]!, line: i + 2, text: `${lines.slice(i + 1, end).join("\n")}\n` });
    i = end;
  }
  return blocks;
}

/** The lines of a Markdown text outside its fenced code blocks, with their 1-based numbers. */
export function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  markdown.split("\n").forEach((text, i) => {
    if (/^```/.test(text)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text });
  });
  return out;
}

/**
 * GitHub's anchor of a heading: lower case, inline markup and punctuation removed (letters, digits,
 * spaces, `-` and `_` kept), each space a `-`; a repeated anchor gets `-1`, `-2`, … in order.
 */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text } of proseLines(markdown)) {
    const h = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(text);
    if (!h) continue;
    const base = h[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

export interface Link {
  line: number;
  target: string;
}

/** The link targets of a Markdown text's prose (`[text](target)`, `![alt](target)`), code spans left out. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  for (const { line, text } of proseLines(markdown)) {
    const prose = text.replace(/`[^`]*`/g, "``");
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      out.push({ line, target: m[1]! });
  }
  return out;
}
