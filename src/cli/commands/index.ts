import type { Command } from "../command.js";
import { generateCommand } from "./generate.js";
import { presetsCommand } from "./presets.js";
import { runCommand } from "./run.js";
import { schemaCommand } from "./schema.js";
import { validateCommand } from "./validate.js";
import { verifyCommand } from "./verify.js";

/** Every CLI command; a new command is one file plus one line here. */
export const commands: readonly Command[] = [
  // One per line (this comment keeps the formatter from joining them), so adding one is a one-line change.
  runCommand,
  generateCommand,
  validateCommand,
  presetsCommand,
  schemaCommand,
  verifyCommand,
];
