/** The configuration stage: one zod schema is the source of the types, the JSON Schema and the reference. */
export { type CascadeConfig, cascadeSchema, injectOf } from "./cascade.js";
export { DEFAULT_MAX_LENGTH, DEFAULT_SEED, DEFAULT_START } from "./defaults.js";
export { formatDuration, parseDuration } from "./duration.js";
export { type LoadConfigOptions, loadConfig, parseConfig } from "./load.js";
export { type ConfigFlags, ENV_KAFKA_BROKERS, ENV_PREFIX } from "./overrides.js";
export { redactConfig, redactInject, redactUrl } from "./redact.js";
export { configJsonSchema, configReference, sinksReference } from "./reference.js";
export { CONFIG_KEYS, type Config, type ConfigInput, configSchema, type SinkConfig } from "./schema.js";
export { SINK_TYPES, type SinkType, sinkSchemas } from "./sinks.js";
