import { readFileSync } from "node:fs";

/** The client libraries tracewalk speaks Kafka through (the sink's and `verify`'s `client`). */
export const KAFKA_LIBRARIES = ["kafkajs", "platformatic"] as const;
export type KafkaLibrary = (typeof KAFKA_LIBRARIES)[number];

/** The SASL mechanisms both libraries take. */
export const KAFKA_SASL_MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512"] as const;

/** SASL as the config and the flags give it. */
export interface KafkaSasl {
  mechanism: (typeof KAFKA_SASL_MECHANISMS)[number];
  username: string;
  password: string;
}

/** TLS with its PEM material already read (see `readTls`). */
export interface KafkaTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
}

/** Where the cluster is and how to talk to it: what a producer, a consumer and an admin share. */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** The client's own retries within one request; the sink retries failed sends on top, forever. */
  retry: { initialMs: number; maxMs: number; retries: number };
  sasl?: KafkaSasl;
  tls?: KafkaTls;
}

/** `tls` as the sink's config holds it: `true`, or paths/PEM values. */
export type KafkaTlsConfig =
  | boolean
  | { ca?: string; cert?: string; key?: string; reject_unauthorized: boolean }
  | undefined;

/** The config's `tls` with its files read; a PEM value is used as it is, anything else is a file to read. */
export function readTls(tls: KafkaTlsConfig): KafkaTls | undefined {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return { rejectUnauthorized: true };
  const read = (v: string | undefined) =>
    v === undefined ? undefined : v.startsWith("-----BEGIN") ? Buffer.from(v) : readFileSync(v);
  const ca = read(tls.ca);
  const cert = read(tls.cert);
  const key = read(tls.key);
  return {
    rejectUnauthorized: tls.reject_unauthorized,
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
  };
}

/** Rejects with `error()` if `work` takes longer than `ms`; clears its timer either way. */
export async function within<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
