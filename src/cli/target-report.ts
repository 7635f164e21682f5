import { connect } from "node:net";
import type { Registry } from "prom-client";
import type { Config } from "../config/index.js";
import type { Logger } from "../daemon/index.js";
import { errorKind } from "../http/errors.js";

/** The probe's bound: a target silent this long is reported; the run waits no longer for it. */
const PROBE_MS = 2000;

/** The TCP port a URL connects to. */
function portOf(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

/**
 * One TCP connect to the target, bounded by PROBE_MS (and the target's own timeout): resolves to the
 * error's kind (`refused`, `dns`, `timeout`, …) when the target cannot be reached, else null. TCP only,
 * for https too: a handshake that fails is its requests' to report (events of kind `tls`), not this probe's.
 */
export function probeTarget(urlText: string, timeoutMs: number): Promise<string | null> {
  const url = new URL(urlText);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return new Promise((resolve) => {
    const socket = connect({ host, port: portOf(url) });
    const done = (kind: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(kind);
    };
    const timer = setTimeout(() => done("timeout"), Math.min(PROBE_MS, timeoutMs));
    socket.once("connect", () => done(null));
    socket.once("error", (err) => done(errorKind(err)));
  });
}

/**
 * Warns at start when the target of an HTTP-mode run cannot be reached at all: the run goes on (the
 * target may come up, and failures are events), but the user learns now, not from a trace of errors.
 * The URL is shown as its origin only, which never holds credentials.
 */
export async function warnIfUnreachable(config: Config, log: Logger): Promise<void> {
  const target = config.target;
  if (target === undefined || target.dry_run) return;
  warnIfInsecure(target, log);
  const kind = await probeTarget(target.url, target.timeout);
  if (kind === null) return;
  const origin = new URL(target.url).origin;
  log.warn(
    { target: origin, error: kind },
    `target ${origin} cannot be reached (${kind}): its requests will fail, as events, until it answers`,
  );
}

/** `insecure_skip_verify` turns off what https is for: said at every start, where it cannot be missed. */
function warnIfInsecure(target: NonNullable<Config["target"]>, log: Logger): void {
  if (!target.insecure_skip_verify || !target.url.startsWith("https:")) return;
  const origin = new URL(target.url).origin;
  log.warn(
    { target: origin, insecure_skip_verify: true },
    `INSECURE: target.insecure_skip_verify is on: the certificate of ${origin} is NOT verified, anyone on the path can read and change its requests (headers and credentials included)`,
  );
}

/** Requests that ended without a response, by kind, as the metrics counted them. */
async function failuresByKind(registry: Registry): Promise<[string, number][]> {
  const metric = registry.getSingleMetric("tracewalk_http_errors_total");
  if (metric === undefined) return [];
  const { values } = await metric.get();
  return values
    .filter((v) => v.value > 0)
    .map((v): [string, number] => [String(v.labels.kind), v.value])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * HTTP mode's last word: `46 requests, 46 failed: refused 46` (or `none failed`). Failures are events
 * and never change the exit status; this line says how many there were and of which kind.
 */
export async function requestsLine(
  requests: number,
  registry: Registry,
): Promise<{ line: string; allFailed: boolean }> {
  const kinds = await failuresByKind(registry);
  const failed = kinds.reduce((n, [, c]) => n + c, 0);
  const byKind = kinds.map(([k, c]) => `${k} ${c}`).join(", ");
  const line =
    failed === 0 ? `${requests} requests, none failed` : `${requests} requests, ${failed} failed: ${byKind}`;
  return { line, allFailed: requests > 0 && failed === requests };
}
