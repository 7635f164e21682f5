import { createSecureContext } from "node:tls";
import { pemProblem, readPem } from "./pem.js";

/** The TLS fields of `target` (config/target.ts), as given: each PEM value inline or a file path. */
export interface TargetTls {
  url: string;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  servername?: string | undefined;
  insecure_skip_verify: boolean;
}

/** The connect options undici passes to `tls.connect` for an https target. */
export interface TlsConnect {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** undici's `connect` options for the target: its CA, client certificate, server name, verification. */
export function tlsConnect(t: TargetTls): TlsConnect {
  const out: TlsConnect = { rejectUnauthorized: !t.insecure_skip_verify };
  if (t.ca !== undefined) out.ca = readPem(t.ca);
  if (t.cert !== undefined) out.cert = readPem(t.cert);
  if (t.key !== undefined) out.key = readPem(t.key);
  if (t.servername !== undefined) out.servername = t.servername;
  return out;
}

type Field = "ca" | "cert" | "key";

/**
 * Why the target's TLS fields cannot be used, each as [field, message], or none: a file that cannot
 * be read or holds no PEM, a certificate without its key (or the reverse), a key that does not match.
 * The messages name files, never a key's content.
 */
export function tlsProblems(t: TargetTls): [string, string][] {
  const fields = (["ca", "cert", "key"] as const).filter((f) => t[f] !== undefined);
  if (!t.url.startsWith("https:")) {
    // Set for an http:// url, a TLS option would do nothing, silently: said instead.
    const given = [...fields, ...(t.servername !== undefined ? ["servername"] : [])];
    if (t.insecure_skip_verify) given.push("insecure_skip_verify");
    const why = `TLS options need an https:// url (target.url is ${new URL(t.url).origin})`;
    return given.length === 0 ? [] : [[given[0] as string, why]];
  }
  const problems: [Field, string][] = [];
  for (const f of fields) {
    const problem = pemProblem(t[f] as string);
    if (problem !== undefined) problems.push([f, problem]);
  }
  if (problems.length > 0) return problems;
  if ((t.cert === undefined) !== (t.key === undefined)) {
    const missing = t.cert === undefined ? "cert" : "key";
    return [[missing, `required with target.${missing === "cert" ? "key" : "cert"} (mutual TLS needs both)`]];
  }
  try {
    const { servername: _, rejectUnauthorized: __, ...material } = tlsConnect(t);
    createSecureContext(material);
  } catch (err) {
    // OpenSSL's reason only (e.g. "key values mismatch"): it never holds the key itself.
    const reason = (err as Error).message.split(":").pop()?.trim() ?? "invalid";
    return [[t.key !== undefined ? "key" : "ca", `TLS material refused: ${reason}`]];
  }
  return [];
}
