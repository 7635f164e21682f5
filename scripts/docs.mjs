#!/usr/bin/env node
// Writes the configuration reference, generated from the zod schema, into README.md between its
// markers. `npm run docs` (after `npm run build`); test/docs.test.ts fails when the README is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { configReference } from "../dist/config/index.js";

const path = new URL("../README.md", import.meta.url);
const start = "<!-- config-reference:start -->";
const end = "<!-- config-reference:end -->";
const readme = readFileSync(path, "utf8");
const before = readme.slice(0, readme.indexOf(start) + start.length);
const after = readme.slice(readme.indexOf(end));
writeFileSync(path, `${before}\n${configReference().trim()}\n${after}`);
