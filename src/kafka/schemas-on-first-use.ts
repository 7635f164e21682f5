import module, { createRequire } from "node:module";

/**
 * Called by the producer thread before it imports @platformatic/kafka, whose import compiled ~100 option
 * schemas with ajv (every admin, consumer and producer call's; ~130 of its ~270 ms) where the thread
 * validates a handful. From here on, ajv's `compile` returns a validator that compiles its schema on its
 * first call and then answers as ajv's would (its result and its `errors`, all the library reads). On
 * Node >= 22.1 the thread's modules also use the on-disk compile cache, which a worker does not inherit
 * from the main thread (`cli/main.ts`). Either failing costs only time.
 */
export function compileSchemasOnFirstUse(): void {
  try {
    (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  } catch {}
  try {
    type Validate = ((this: unknown, ...args: unknown[]) => boolean) & { errors?: unknown };
    type Compile = (this: object, schema: unknown, meta?: boolean) => Validate;
    const req = createRequire(import.meta.resolve("@platformatic/kafka"));
    const proto = (req("ajv/dist/core.js") as { default: { prototype: { compile: Compile } } }).default
      .prototype;
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
  } catch {}
}
