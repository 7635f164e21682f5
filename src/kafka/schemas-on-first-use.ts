import module, { createRequire } from "node:module";

type Validate = ((this: unknown, ...args: unknown[]) => boolean) & { errors?: unknown };
type Compile = (this: object, schema: unknown, meta?: boolean) => Validate;

/**
 * Makes ajv's `compile` (on the prototype of ajv's core class, `proto`) return a validator that compiles
 * its schema on its first call and then answers as ajv's would (its result and its `errors`, all
 * @platformatic/kafka reads). The library compiles ~100 option schemas at import (every admin, consumer
 * and producer call's; ~130 of its ~270 ms) where the producer thread validates a handful.
 */
export function compileOnFirstUse(proto: { compile: Compile }): void {
  const compile = proto.compile;
  proto.compile = function (this: object, schema, meta) {
    let validate: Validate | undefined;
    const ajv = this;
    const lazy: Validate = function (this: unknown, ...args: unknown[]) {
      validate ??= compile.call(ajv, schema, meta);
      const ok = validate.apply(this, args);
      lazy.errors = validate.errors;
      return ok;
    };
    return lazy;
  };
}

/**
 * On Node >= 22.1, the on-disk compile cache for this thread's modules (a worker does not inherit it
 * from the main thread, `cli/main.ts`). Failing costs only time.
 */
export function enableCompileCache(): void {
  try {
    (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  } catch {}
}

/**
 * Called before @platformatic/kafka is imported (lazy-schemas.ts): patches the ajv the installed package
 * resolves, and enables the compile cache. Either failing costs only time.
 */
export function compileSchemasOnFirstUse(): void {
  enableCompileCache();
  try {
    const req = createRequire(import.meta.resolve("@platformatic/kafka"));
    compileOnFirstUse(
      (req("ajv/dist/core.js") as { default: { prototype: { compile: Compile } } }).default.prototype,
    );
  } catch {}
}
