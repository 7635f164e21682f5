/**
 * The CLI's public face: the commands (each loaded when it runs) and their contract. The executable is
 * `main.ts` (dist/cli/main.js), which other folders never import.
 */
export type { Command, CommandEntry } from "./command.js";
export { commands } from "./commands/index.js";
