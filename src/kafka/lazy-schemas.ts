// The library's option schemas compiled on first use (see schemas-on-first-use.ts), for whoever imports
// platformatic-lib.ts; it imports this module before the library. In the bundled build this module is
// replaced by one that patches the bundle's own copy of ajv (scripts/bundle-kafka.mjs).
import { compileSchemasOnFirstUse } from "./schemas-on-first-use.js";

compileSchemasOnFirstUse();
