import { existsSync, readFileSync } from "node:fs";
import { dirname, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { configReference, sinksReference } from "../src/config/index.js";
import { docFiles, headingAnchors, links, proseLines, readDoc } from "./helpers/docs.js";

/** The text between `<!-- NAME:start -->` and `<!-- NAME:end -->` of a documentation file. */
function generated(file: string, name: string): string {
  const doc = readDoc(file);
  const start = doc.indexOf(`<!-- ${name}:start -->`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  expect(start, `${file} has no ${name} markers`).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  return doc.slice(start, end).split("\n").slice(1).join("\n").trim();
}

describe("docs/", () => {
  it("docs/configuration.md carries the configuration reference generated from the schema (npm run docs)", () => {
    expect(generated("docs/configuration.md", "config-reference")).toBe(configReference().trim());
  });

  it("docs/sinks.md carries each sink type's keys generated from the schema (npm run docs)", () => {
    expect(generated("docs/sinks.md", "sinks-reference")).toBe(sinksReference().trim());
  });

  it("the README links every file of docs/", () => {
    const readme = readDoc("README.md");
    for (const file of docFiles().slice(1)) expect(readme, file).toContain(`](${file}`);
  });
});

describe("README", () => {
  const readme = readDoc("README.md");

  /** The README's text from a line starting with `from` to the next `## ` heading. */
  function part(from: string): string {
    const start = readme.indexOf(`\n${from}`);
    expect(start, `README has a line starting with ${from}`).toBeGreaterThan(0);
    const end = readme.indexOf("\n## ", start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
  }

  it("documents every command the CLI has", async () => {
    const { commands } = await import("../src/cli/commands/index.js");
    for (const c of commands) expect(readme).toContain(`tracewalk ${c.name}`);
  });

  it("links every ## and ### section from its contents", () => {
    const contents = part("## Contents");
    const sections = proseLines(readme)
      .filter((l) => /^#{2,3}\s/.test(l.text) && l.text !== "## Contents")
      .map((l) => [...headingAnchors(l.text)][0]!);
    expect(sections.length).toBeGreaterThan(10);
    for (const a of sections) expect(contents, `#${a} in README's contents`).toContain(`](#${a})`);
  });

  it("names, beside the two commands, every tool .ci/run installs for npm test", () => {
    const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8");
    const apt = [...ci.matchAll(/need_apt\+=\(([^)]+)\)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
    const pip = [...ci.matchAll(/pip install -q ([\w.-]+)/g)].map((m) => m[1]!);
    expect(apt).toContain("kcat");
    expect(pip).toContain("pyarrow");
    const needs = part("## Two commands");
    for (const name of [...apt, ...pip]) expect(needs, `${name} in README's "Two commands"`).toContain(name);
  });
});

describe("links in README.md and docs/*.md", () => {
  const anchors = new Map(docFiles().map((f) => [f, headingAnchors(readDoc(f))]));

  it("finds the anchors GitHub makes, so a pass below means something", () => {
    const a = headingAnchors("# A b\n## 5. HTTP mode — real `x`\n```\n# not a heading\n```\n## A b\n");
    expect([...a]).toEqual(["a-b", "5-http-mode--real-x", "a-b-1"]);
  });

  const all = docFiles().flatMap((file) =>
    links(readDoc(file))
      .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target) && !l.target.startsWith("//"))
      .map((l) => [`${file}:${l.line}`, file, l.target] as const),
  );

  it("has relative links to check", () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(all)("%s: %s → %s resolves", (_where, file, target) => {
    const [path = "", anchor] = target.split("#");
    const resolved =
      path === "" ? file : posix.normalize(posix.join(dirname(file), decodeURIComponent(path)));
    expect(existsSync(new URL(`../${resolved}`, import.meta.url)), `${resolved} exists`).toBe(true);
    if (anchor === undefined || anchor === "") return;
    const known = anchors.get(resolved);
    expect(known, `${resolved} is a README.md or docs/*.md file with headings`).toBeDefined();
    expect([...(known ?? [])], `#${anchor} is a heading of ${resolved}`).toContain(anchor);
  });
});
