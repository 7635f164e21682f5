/** One CLI command: its file parses arguments and returns the exit code. */
export interface Command {
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

/**
 * A command as the registry lists it: its name and summary are plain data, so `--help` costs
 * nothing; its file (and what that file imports) is loaded only when the command runs.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}
