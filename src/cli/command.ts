/** One CLI command: its file parses arguments and returns the exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}
