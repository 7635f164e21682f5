import { z } from "zod";
import { DURATION_PATTERN } from "./duration.js";
import { ENV_KAFKA_BROKERS, ENV_PREFIX } from "./overrides.js";
import { configSchema } from "./schema.js";

type Json = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Json>;
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  required?: string[];
};

/** The config's JSON Schema (draft 2020-12), describing what a user may write in the YAML file. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" });
  return { ...schema, $id: "https://tracewalk.dev/schema/config.json", title: "tracewalk config" };
}

function typeOf(node: Json): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (node.pattern === DURATION_PATTERN) return "duration";
  const variants = node.anyOf ?? node.oneOf;
  if (variants) {
    if (variants.some((v) => v.pattern === DURATION_PATTERN)) return "duration";
    if (variants.some((v) => v.pattern?.includes("kib"))) return "size";
    return [...new Set(variants.map(typeOf))].join(" \\| ");
  }
  if (node.type === "array") return `${node.items ? typeOf(node.items) : "any"}[]`;
  if (Array.isArray(node.type)) return node.type.join(" \\| ");
  return node.type ?? "any";
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function defaultOf(node: Json): string {
  if (node.default === undefined) return "";
  return `\`${JSON.stringify(node.default)}\``;
}

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

/** The object schemas a node contains (itself, its array items, the variants of a union). */
function objectsIn(node: Json): Json[] {
  if (node.properties) return [node];
  if (node.type === "array" && node.items) return objectsIn(node.items);
  return (node.anyOf ?? node.oneOf ?? []).flatMap(objectsIn);
}

function variantTag(variant: Json, siblings: Json[]): string {
  if (siblings.length < 2) return "";
  const disc = Object.entries(variant.properties ?? {}).find(([, p]) => p.const !== undefined);
  return disc ? `*(${disc[0]}: ${String(disc[1].const)})* ` : "";
}

function rows(node: Json, prefix: string, skip: ReadonlySet<string>): Row[] {
  const out: Row[] = [];
  const variants = objectsIn(node);
  for (const variant of variants) {
    const tag = variantTag(variant, variants);
    for (const [key, child] of Object.entries(variant.properties ?? {})) {
      const path = `${prefix}${key}`;
      if (skip.has(path)) continue;
      const description = `${tag}${child.description ?? ""}`;
      const required = variant.required?.includes(key) && child.default === undefined;
      out.push({
        key: path,
        type: typeOf(child),
        default: required ? "*required*" : defaultOf(child),
        description,
      });
      const sep = child.type === "array" ? "[]." : ".";
      out.push(...rows(child, `${path}${sep}`, skip));
    }
  }
  return out;
}

function table(list: Row[]): string {
  const lines = ["| key | type | default | description |", "|---|---|---|---|"];
  for (const r of list) lines.push(`| \`${r.key}\` | ${r.type} | ${r.default} | ${cell(r.description)} |`);
  return lines.join("\n");
}

function sinkSections(schema: Json): string[] {
  const sinks = schema.properties?.sinks;
  const variants = sinks?.items?.oneOf ?? [];
  return variants.map((v) => {
    const type = String(v.properties?.type?.const);
    const own = rows({ properties: v.properties ?? {} }, "", new Set(["type"]));
    return [`## \`type: ${type}\``, "", v.description ?? "", "", table(own)].join("\n");
  });
}

const LAYERING = `Sources, lowest to highest: defaults < the YAML file (\`--config\`) < \`${ENV_PREFIX}*\` environment
variables < CLI flags. An empty file is a valid config. Unknown keys are errors that name the nearest
known key (\`sped: 2\` → did you mean "speed"?). Durations are strings such as \`500ms\`, \`30s\`,
\`90m\`, \`1h30m\`, \`24h\`, or a number of seconds.

Secrets: any string value may contain \`\${VAR}\` (or \`\${VAR:-default}\`), replaced by the environment
variable; a missing variable is an error naming the key and the variable; \`$\${\` writes a literal \`\${\`.

Environment overrides: \`${ENV_PREFIX}\` + the key path in upper case, with \`__\` between nesting levels
and list indexes as numbers: \`${ENV_PREFIX}SEED=7\`, \`${ENV_PREFIX}CLOCK__SPEED=max\`,
\`${ENV_PREFIX}LOAD__ARRIVAL_RATE=20\`, \`${ENV_PREFIX}SINKS__0__TOPIC=calls\`. Values are read as the key's
type: numbers, \`true\`/\`false\`, lists as \`a,b\`, objects as YAML flow (\`{port: 9500}\`).
\`${ENV_KAFKA_BROKERS}=a:9092,b:9092\` sets the brokers of every kafka sink. Variables whose first segment is
not a top-level key (such as Kubernetes' \`TRACEWALK_SERVICE_HOST\`) are ignored.`;

/**
 * A Markdown reference of every config key (type, default, description), generated from the schema;
 * `npm run docs` writes it into docs/configuration.md. The entries of `sinks` are in `sinksReference`.
 */
export function configReference(): string {
  const schema = configJsonSchema() as Json;
  const main = rows(schema, "", new Set(["sinks"]));
  const sinks = schema.properties?.sinks;
  const sinkRow: Row = {
    key: "sinks",
    type: "sink[]",
    default: sinks ? defaultOf(sinks) : "",
    description: `${sinks?.description ?? ""} The keys of each type: [sinks.md](sinks.md).`.trim(),
  };
  const at = main.findIndex((r) => r.key === "cascades");
  main.splice(at < 0 ? main.length : at, 0, sinkRow);
  return [LAYERING, "", table(main)].join("\n");
}

/** A Markdown reference of each sink type's keys, one `##` section per type (docs/sinks.md). */
export function sinksReference(): string {
  const schema = configJsonSchema() as Json;
  const intro = "Each entry of `sinks` is one of the following, chosen by `type`.";
  return [intro, ...sinkSections(schema)].join("\n\n");
}
