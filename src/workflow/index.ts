// The workflow stage's public face: model, validation, presets, YAML in/out.

export {
  DIAGRAM_FORMATS,
  type DiagramFormat,
  type DiagramOptions,
  drawWorkflow,
  END_ID,
  formatMs,
  formatProbability,
  type NodeInfo,
  START_ID,
} from "./diagram.js";
export { endpointsOf } from "./graph.js";
export { isWorkflowPath, loadWorkflow } from "./load.js";
export { getPreset, PRESETS, presetNames } from "./presets.js";
export { workflowJsonSchema } from "./schema.js";
export type { EndpointOptions, HttpMethod, ParamSpec, Service, Workflow } from "./types.js";
export { END, HTTP_METHODS } from "./types.js";
export { checkWorkflow, validateWorkflow, type WorkflowCheck } from "./validate.js";
export { type CheckedWorkflow, parseCheckedWorkflow, parseWorkflow, workflowToYaml } from "./yaml.js";
