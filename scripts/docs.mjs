#!/usr/bin/env node
// Writes the references generated from the zod schema into docs/ between their markers: the
// configuration into docs/configuration.md, each sink type's keys into docs/sinks.md.
// `npm run docs` (after `npm run build`); test/docs.test.ts fails when a file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { configReference, sinksReference } from "../dist/config/index.js";

const generated = [
  { file: "docs/configuration.md", marker: "config-reference", text: configReference() },
  { file: "docs/sinks.md", marker: "sinks-reference", text: sinksReference() },
];

for (const { file, marker, text } of generated) {
  const path = new URL(`../${file}`, import.meta.url);
  const doc = readFileSync(path, "utf8");
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: markers ${start} … ${end} not found`);
  writeFileSync(path, `${doc.slice(0, from + start.length)}\n${text.trim()}\n${doc.slice(to)}`);
  console.log(`wrote ${file}`);
}
