import { readFileSync } from "node:fs";

/** One instruction of a Dockerfile: its keyword (upper case) and the rest, continuation lines joined. */
export interface Instruction {
  op: string;
  args: string;
}

/** A build stage: its base image, its name (`AS x`) and its instructions after FROM. */
export interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

/** The instructions of a Dockerfile (comments and parser directives dropped, `\` lines joined). */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) continue; // Docker drops comment lines, even inside a continuation
    if (line === "" && pending === "") continue;
    pending += pending === "" ? line : ` ${line}`;
    if (pending.endsWith("\\")) {
      pending = pending.slice(0, -1).trimEnd();
      continue;
    }
    const m = /^(\S+)\s*(.*)$/s.exec(pending);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
    pending = "";
  }
  return out;
}

/** The stages of a Dockerfile, in order. */
export function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.op === "FROM") {
      const [from, as, name] = ins.args.split(/\s+/);
      out.push({ from: from!, name: as?.toUpperCase() === "AS" ? name : undefined, body: [] });
    } else {
      out.at(-1)?.body.push(ins);
    }
  }
  return out;
}

/** The project's Dockerfile, parsed. */
export function projectStages(): Stage[] {
  return stages(readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8"));
}

/** A COPY: `--from` stage (absent: the build context), its sources and its destination. */
export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

/** The COPY instructions of a stage (shell form only, which is what the Dockerfile uses). */
export function copies(stage: Stage): Copy[] {
  return stage.body
    .filter((i) => i.op === "COPY")
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
      const paths = words.filter((w) => !w.startsWith("--"));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

/** The exec-form (JSON array) argument of an instruction such as `CMD ["a", "b"]`. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) {
    throw new Error(`expected a JSON array of strings, got ${args}`);
  }
  return parsed;
}

/** `ENV K=V` instructions of a stage as an object (one pair per instruction, as the Dockerfile writes them). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.body.filter((x) => x.op === "ENV")) {
    const eq = i.args.indexOf("=");
    if (eq <= 0) throw new Error(`ENV without K=V: ${i.args}`);
    env[i.args.slice(0, eq)] = i.args.slice(eq + 1);
  }
  return env;
}
