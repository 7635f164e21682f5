#!/usr/bin/env node
// Part of `npm run build`, after tsc: replaces dist/kafka/platformatic-lib.js (tsc's re-export of the
// names tracewalk uses of @platformatic/kafka) with one ES module holding those names and the library
// code they reach, ajv and avsc included. Importing the package meant resolving, reading and compiling
// ~170 modules (~190 ms on the producer thread, before it could connect); the one file takes ~70 ms.
//
// Left out, imported at run time as the package does: Node's modules, @platformatic/wasm-utils (it
// reads its .wasm beside itself) and @node-rs/crc32 (required by the library at run time if present).
// lazy-schemas.js is replaced by a module that patches the bundle's own copy of ajv, so that the
// library's option schemas are compiled on first use there too (src/kafka/schemas-on-first-use.ts).
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const dist = new URL("../dist/kafka/", import.meta.url);
const lib = fileURLToPath(new URL("platformatic-lib.js", dist));
const schemas = fileURLToPath(new URL("schemas-on-first-use.js", dist));
// ajv's core as the library resolves it: the copy its modules will get in the bundle.
const ajvCore = createRequire(fileURLToPath(import.meta.resolve("@platformatic/kafka"))).resolve(
  "ajv/dist/core.js",
);
const PATCH = "\0tracewalk:lazy-schemas";

if (!readFileSync(lib, "utf8").includes("@platformatic/kafka")) {
  throw new Error(`${lib} is not tsc's output (already bundled?): run tsc first`);
}
await build({
  input: lib,
  platform: "node",
  external: [/^node:/, "@platformatic/wasm-utils", "@node-rs/crc32"],
  logLevel: "warn",
  plugins: [
    {
      name: "tracewalk-lazy-schemas",
      resolveId(source, importer) {
        return source === "./lazy-schemas.js" && importer === lib ? PATCH : null;
      },
      load(id) {
        if (id !== PATCH) return null;
        // As compileSchemasOnFirstUse: a failure costs only time, never the import.
        return [
          `import Ajv from ${JSON.stringify(ajvCore)};`,
          `import { compileOnFirstUse, enableCompileCache } from ${JSON.stringify(schemas)};`,
          "enableCompileCache();",
          `try { compileOnFirstUse((typeof Ajv === "function" ? Ajv : Ajv.default).prototype); } catch {}`,
        ].join("\n");
      },
    },
  ],
  output: { file: lib, format: "esm", sourcemap: false },
});
// tsc's map and declaration map describe the re-export, not the bundle.
rmSync(`${lib}.map`, { force: true });
