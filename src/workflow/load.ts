import { readFile, stat } from "node:fs/promises";
import { cannotRead, ErrorCode, type Problem, TwError } from "../errors.js";
import { getPreset, presetNames } from "./presets.js";
import type { Workflow } from "./types.js";
import { type CheckedWorkflow, parseCheckedWorkflow } from "./yaml.js";

/** Whether a workflow reference names a file rather than a preset. */
export async function isWorkflowPath(ref: string): Promise<boolean> {
  if (/[/\\]/.test(ref) || /\.(ya?ml|json)$/i.test(ref)) return true;
  return stat(ref).then(
    () => true,
    () => false,
  );
}

/**
 * Loads a workflow by preset name or file path (YAML or JSON), validated; TW_INPUT_INVALID when the
 * file cannot be read. Each warning (which does not make it invalid) goes to `onWarning`.
 */
export async function loadWorkflow(ref: string, onWarning?: (warning: Problem) => void): Promise<Workflow> {
  const { workflow, warnings } = await loadCheckedWorkflow(ref);
  if (onWarning) for (const w of warnings) onWarning(w);
  return workflow;
}

async function loadCheckedWorkflow(ref: string): Promise<CheckedWorkflow> {
  if (!(await isWorkflowPath(ref))) {
    const preset = getPreset(ref);
    if (preset) return { workflow: preset, warnings: [] };
    throw new TwError(
      ErrorCode.WORKFLOW_INVALID,
      `unknown workflow preset "${ref}" (presets: ${presetNames().join(", ")}; a file path needs a / or a .yaml, .yml or .json suffix)`,
    );
  }
  let text: string;
  try {
    text = await readFile(ref, "utf8");
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, cannotRead(ref, "workflow file", err), { cause: err });
  }
  return parseCheckedWorkflow(text, ref);
}
