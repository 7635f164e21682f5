import type { Command } from "../command.js";

/** Every CLI command; a new command is one file plus one line here. */
export const commands: readonly Command[] = [];
