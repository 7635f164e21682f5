/** A one-line progress bar on a terminal: work done, events/s and ETA. Silent when not a TTY. */
export class ProgressBar {
  private readonly started = Date.now();
  private last = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    readonly enabled: boolean,
  ) {}

  /** Redraws at most five times a second: `done` of `total` sets the bar and ETA; `what` says what is done. */
  update(done: number, total: number, events: number, what: string): void {
    if (!this.enabled || total === 0) return;
    const now = Date.now();
    if (now - this.last < 200 && done < total) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const eta = frac > 0 ? (secs / frac) * (1 - frac) : 0;
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
    const line = `${bar} ${(frac * 100).toFixed(1)}%  ${what}  ${Math.round(events / secs).toLocaleString("en-US")} events/s  ETA ${formatSeconds(eta)}`;
    this.out.write(`\r${line}\x1b[K`);
  }

  /** Ends the line so later output starts clean. */
  finish(): void {
    if (this.enabled) this.out.write("\n");
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
