import { readFileSync } from "node:fs";
import { formatReport, LiveVerifier, type VerifyReport } from "../analysis/index.js";
import { openKafkaStream } from "../analysis/kafka-input.js";
import { cannotRead, ErrorCode, TwError } from "../errors.js";
import {
  KAFKA_LIBRARIES,
  type KafkaLibrary,
  type KafkaSasl,
  type KafkaTls,
  KAFKA_SASL_MECHANISMS as MECHANISMS,
} from "../kafka/index.js";
import type { Workflow } from "../workflow/types.js";
import { refuseEmptyTopic } from "./verify-empty.js";

/** What `verify --kafka-brokers` was asked to do, parsed and checked. */
export interface LiveVerifyArgs {
  brokers: string[];
  topic: string;
  /** The client library (`--kafka-client`), as the Kafka sink's `client`. */
  client: KafkaLibrary;
  fromBeginning: boolean;
  groupId?: string;
  /** Stop after this long (ms), or never. */
  forMs?: number;
  /** Stop after this many records, or never. */
  events?: number;
  intervalMs: number;
  alpha: number;
  maxLength: number;
  strict: boolean;
  json: boolean;
  sasl?: KafkaSasl;
  tls?: KafkaTls;
}

/** The environment variable holding the SASL password: never a flag, which `ps` would show. */
export const PASSWORD_ENV = "TRACEWALK_KAFKA_PASSWORD";

/** The security flags, as strings from the command line. */
export interface SecurityFlags {
  "sasl-mechanism"?: string;
  "sasl-username"?: string;
  tls?: boolean;
  "tls-ca"?: string;
  "tls-cert"?: string;
  "tls-key"?: string;
}

function pem(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TwError(ErrorCode.INPUT_INVALID, `--${flag}: ${cannotRead(path, "file", err)}`);
  }
}

/** SASL and TLS in the Kafka sink's shapes, from the flags and PASSWORD_ENV. */
export function securityOptions(f: SecurityFlags, env = process.env): Pick<LiveVerifyArgs, "sasl" | "tls"> {
  const out: Pick<LiveVerifyArgs, "sasl" | "tls"> = {};
  const mechanism = f["sasl-mechanism"];
  if (mechanism !== undefined || f["sasl-username"] !== undefined) {
    if (!MECHANISMS.includes(mechanism as (typeof MECHANISMS)[number])) {
      throw new TwError(ErrorCode.ARGS_INVALID, `--sasl-mechanism: expected one of ${MECHANISMS.join(", ")}`);
    }
    const username = f["sasl-username"];
    if (!username)
      throw new TwError(ErrorCode.ARGS_INVALID, "--sasl-username is required with --sasl-mechanism");
    const password = env[PASSWORD_ENV];
    if (!password) throw new TwError(ErrorCode.ARGS_INVALID, `SASL needs the password in ${PASSWORD_ENV}`);
    out.sasl = { mechanism: mechanism as (typeof MECHANISMS)[number], username, password };
  }
  if (f.tls || f["tls-ca"] || f["tls-cert"] || f["tls-key"]) {
    const ca = pem("tls-ca", f["tls-ca"]);
    const cert = pem("tls-cert", f["tls-cert"]);
    const key = pem("tls-key", f["tls-key"]);
    out.tls = { rejectUnauthorized: true, ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
  }
  return out;
}

/** `--kafka-client`: the sink's default library when absent, so that verify reads as the sink writes. */
export function parseKafkaClient(value: string | undefined): KafkaLibrary {
  if (value === undefined) return "platformatic";
  if (!KAFKA_LIBRARIES.includes(value as KafkaLibrary)) {
    throw new TwError(
      ErrorCode.ARGS_INVALID,
      `--kafka-client: expected one of ${KAFKA_LIBRARIES.join(", ")}, got "${value}"`,
    );
  }
  return value as KafkaLibrary;
}

const CONNECT_TIMEOUT_MS = 10_000;
const DISCONNECT_TIMEOUT_MS = 5_000;

/** Parses `H:P[,H:P]`; only well-formed host:port pairs, so a typo fails here and not after a timeout. */
export function parseBrokers(value: string): string[] {
  const brokers = value.split(",").map((b) => b.trim());
  for (const b of brokers) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) {
      throw new TwError(
        ErrorCode.ARGS_INVALID,
        `--kafka-brokers: expected HOST:PORT[,HOST:PORT], got "${b}"`,
      );
    }
  }
  return brokers;
}

/** Why the reading stopped. */
type Stop = { kind: "done"; why: string } | { kind: "error"; error: unknown };

/** A stop that the first of several causes (limit, timer, signal, failure) settles; later ones are ignored. */
function firstStop() {
  let settle: (s: Stop) => void = () => {};
  const stopped = new Promise<Stop>((resolve) => {
    settle = resolve;
  });
  let done = false;
  return {
    stopped,
    isDone: () => done,
    finish(s: Stop): void {
      if (done) return;
      done = true;
      settle(s);
    },
  };
}

/**
 * Reads the topic until --for, --events, a signal, or a failure; prints a running verdict line on
 * stderr every interval and the final report on stdout. Returns the exit code (0 consistent, 4 not);
 * no session of the workflow seen to begin is bad input (TW_INPUT_INVALID, exit 2), as for a file.
 */
export async function verifyKafka(workflow: Workflow, a: LiveVerifyArgs): Promise<number> {
  const verifier = new LiveVerifier(workflow, { alpha: a.alpha, maxLength: a.maxLength, strict: a.strict });
  const { stopped, isDone, finish } = firstStop();
  const onRecord = (value: string, where: string) => {
    if (isDone()) return;
    try {
      verifier.add(value, where);
    } catch (err) {
      finish({ kind: "error", error: err });
      return;
    }
    if (a.events !== undefined && verifier.records >= a.events) finish({ kind: "done", why: "events" });
  };
  const onSignal = (signal: NodeJS.Signals) => finish({ kind: "done", why: signal });
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const timers: NodeJS.Timeout[] = [];
  try {
    const stream = await openKafkaStream(
      {
        brokers: a.brokers,
        topic: a.topic,
        client: a.client,
        fromBeginning: a.fromBeginning,
        groupId: a.groupId,
        sasl: a.sasl,
        tls: a.tls,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        disconnectTimeoutMs: DISCONNECT_TIMEOUT_MS,
      },
      onRecord,
    );
    process.stderr.write(`verify: reading ${a.topic} from ${a.fromBeginning ? "the beginning" : "now"}\n`);
    stream.failed.then((error) => finish({ kind: "error", error }));
    timers.push(setInterval(() => process.stderr.write(`verify: ${verifier.runningLine()}\n`), a.intervalMs));
    if (a.forMs !== undefined) timers.push(setTimeout(() => finish({ kind: "done", why: "for" }), a.forMs));
    const stop = await stopped;
    for (const t of timers) clearInterval(t);
    await stream.close();
    if (stop.kind === "error") throw stop.error;
    return report(verifier, a, stop.why);
  } finally {
    for (const t of timers) clearInterval(t);
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

/** Prints the final report; a read that saw no session of the workflow begin is refused (exit 2). */
function report(verifier: LiveVerifier, a: LiveVerifyArgs, why: string): number {
  const r: VerifyReport = verifier.report();
  const until = why === "for" || why === "events" ? `--${why}` : why;
  const { records, badRecords } = verifier;
  const firstBad = verifier.firstBad[0]?.message;
  refuseEmptyTopic(r, {
    topic: a.topic,
    fromBeginning: a.fromBeginning,
    until,
    records,
    badRecords,
    firstBad,
  });
  const bad = { badRecords, firstBadRecords: verifier.firstBad };
  if (a.json) {
    const whole = { ...(JSON.parse(formatReport(r, "json")) as object), ...bad };
    process.stdout.write(`${JSON.stringify(whole)}\n`);
  } else {
    process.stdout.write(`records ${records} · bad records ${badRecords}\n`);
    for (const b of verifier.firstBad) process.stdout.write(`  bad: ${b.message}\n`);
    process.stdout.write(formatReport(r, "text"));
  }
  return r.consistent ? 0 : 4;
}
