// HTTPS targets against a real loopback HTTPS server, with certificates openssl makes here: the
// target's CA from a file, mutual TLS (a client certificate, its key from the environment), the server
// name, insecure_skip_verify, and the files that cannot be used (exit 2, the key named).
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, redactConfig } from "../../src/config/index.js";
import { runCli, STACK_LINE, tempDir } from "../helpers/cli.js";
import { type Certs, makeCerts, pem } from "../helpers/tls-certs.js";

const tmp = tempDir("tw-http-tls-");
let certs: Certs;
const servers: { server: Server; sockets: Set<Socket> }[] = [];

/** An HTTPS server on 127.0.0.1:0 answering 200; `mtls`: it requires a client certificate of the CA. */
async function https(mtls: boolean): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer(
    {
      cert: pem(certs.serverCert),
      key: pem(certs.serverKey),
      ...(mtls && { ca: pem(certs.ca), requestCert: true, rejectUnauthorized: true }),
    },
    (req, res) => {
      requests++;
      req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    },
  );
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A failed handshake is the client's to report; the server only drops the socket.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({ server, sockets });
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

beforeAll(() => {
  certs = makeCerts(tmp.dir);
});
afterAll(async () => {
  for (const { server, sockets } of servers) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  tmp.remove();
});

let runs = 0;
/** `run --config` with `target` (YAML flow map fields) for 1 s of real time; exit, events, log. */
async function run(target: string, env: NodeJS.ProcessEnv = {}) {
  const n = runs++;
  const out = `${tmp.dir}/run-${n}.jsonl`;
  const config = `${tmp.dir}/run-${n}.yaml`;
  writeFileSync(config, `target: { allow_hosts: [127.0.0.1], timeout: 2s, ${target} }\n`);
  const r = await runCli(
    [
      ...["run", "--config", config, "--duration", "1s", "--out", out],
      ...["--metrics-addr", "127.0.0.1:0", "--set", "log.pretty=false"],
      ...["--set", "generation.think_time={min_s: 0, max_s: 0, long_probability: 0}"],
    ],
    { env },
  );
  let events: { status_code: number; error: string | null }[] = [];
  try {
    events = readFileSync(out, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    // no output: the run was refused
  }
  return { ...r, events };
}

function expectAll(
  events: { status_code: number; error: string | null }[],
  status: number,
  error: string | null,
) {
  expect(events.length).toBeGreaterThan(0);
  expect(events.filter((e) => e.status_code !== status || e.error !== error)).toEqual([]);
}

describe("an https target", () => {
  it("verified by target.ca: every call a 200; without it the unknown CA fails each call as error tls, exit 0", async () => {
    const s = await https(false);
    const good = await run(`url: "${s.url}", ca: "${certs.ca}"`);
    expect(good.code).toBe(0);
    expectAll(good.events, 200, null);
    expect(good.stderr).not.toContain("cannot be reached"); // the probe is a TCP connect: https passes
    expect(s.requests()).toBe(good.events.length);

    const before = s.requests();
    const bad = await run(`url: "${s.url}"`);
    expect(bad.code).toBe(0);
    expectAll(bad.events, 0, "tls");
    expect(bad.stderr).toMatch(/\d+ requests, \d+ failed: tls \d+/);
    expect(bad.stderr).not.toMatch(STACK_LINE);
    expect(s.requests()).toBe(before); // not one request got through
  });

  it("a CA that did not sign the server's certificate: error tls, never a crash", async () => {
    const s = await https(false);
    const r = await run(`url: "${s.url}", ca: "${certs.otherCa}"`);
    expect(r.code).toBe(0);
    expectAll(r.events, 0, "tls");
  });

  it("mutual TLS required and given (the key from the environment, never logged): 200s; not given: error tls", async () => {
    const s = await https(true);
    const key = pem(certs.clientKey);
    const given = await run(
      `url: "${s.url}", ca: "${certs.ca}", cert: "${certs.clientCert}", key: "$\{TARGET_KEY}"`,
      {
        TARGET_KEY: key,
      },
    );
    expect(given.code).toBe(0);
    expectAll(given.events, 200, null);
    const body = key.split("\n")[1]!;
    expect(given.stderr).not.toContain(body);
    expect(given.stderr).toContain('"key":"[redacted]"');

    const missing = await run(`url: "${s.url}", ca: "${certs.ca}"`);
    expect(missing.code).toBe(0);
    expectAll(missing.events, 0, "tls");
  });

  it("servername: checked against the certificate (localhost is in it, wrong.example is not)", async () => {
    const s = await https(false);
    const right = await run(`url: "${s.url}", ca: "${certs.ca}", servername: localhost`);
    expectAll(right.events, 200, null);
    const wrong = await run(`url: "${s.url}", ca: "${certs.ca}", servername: wrong.example`);
    expect(wrong.code).toBe(0);
    expectAll(wrong.events, 0, "tls");
  });

  it("insecure_skip_verify: 200s from an unknown CA, and a loud warning at start", async () => {
    const s = await https(false);
    const r = await run(`url: "${s.url}", insecure_skip_verify: true`);
    expect(r.code).toBe(0);
    expectAll(r.events, 200, null);
    const warning = r.stderr
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => l.msg.startsWith("INSECURE"));
    expect(warning).toMatchObject({ level: 40 });
    expect(warning!.msg).toContain(`the certificate of ${s.url} is NOT verified`);
  });
});

describe("TLS files that cannot be used: exit 2, one line naming the key", () => {
  const cases: [string, () => string, RegExp][] = [
    [
      "a missing CA file",
      () => `ca: "${tmp.dir}/nope.pem"`,
      /target\.ca: cannot read ".*nope\.pem" \(ENOENT\)/,
    ],
    [
      "a file with no PEM",
      () => `ca: "${tmp.dir}/run-0.yaml"`,
      /target\.ca: ".*run-0\.yaml" holds no PEM block/,
    ],
    [
      "a cert without its key",
      () => `cert: "${certs.clientCert}"`,
      /target\.key: required with target\.cert/,
    ],
    [
      "a key of another certificate",
      () => `cert: "${certs.clientCert}", key: "${certs.serverKey}"`,
      /target\.key: TLS material refused: key values mismatch/,
    ],
  ];
  for (const [what, fields, message] of cases) {
    it(what, async () => {
      const r = await run(`url: "https://127.0.0.1:9", ${fields()}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stderr).not.toContain("BEGIN");
    });
  }

  it("a Kafka sink's tls.ca that cannot be read: exit 2 at load, naming sinks[0].tls.ca", async () => {
    const config = `${tmp.dir}/kafka-bad-ca.yaml`;
    writeFileSync(
      config,
      `sinks: [{ type: kafka, brokers: [127.0.0.1:1], topic: t, tls: { ca: "${tmp.dir}/nope.pem" } }]\n`,
    );
    const r = await runCli(["run", "--config", config, "--duration", "1s", "--metrics-addr", "127.0.0.1:0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sinks\[0\]\.tls\.ca: cannot read ".*nope\.pem" \(ENOENT\)/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it("TLS options on an http:// url are refused", async () => {
    const r = await run(`url: "http://127.0.0.1:9", ca: "${certs.ca}"`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target\.ca: TLS options need an https:\/\/ url/);
    const insecure = await run(`url: "http://127.0.0.1:9", insecure_skip_verify: true`);
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toMatch(/target\.insecure_skip_verify: TLS options need an https:\/\/ url/);
  });
});

describe("the loaded config", () => {
  it("redacts an inline key for the log", async () => {
    const file = `${tmp.dir}/inline-key.yaml`;
    writeFileSync(
      file,
      `target: { url: "https://127.0.0.1:9", allow_hosts: [127.0.0.1], cert: "${certs.clientCert}", key: "$\{K}" }\n`,
    );
    const config = await loadConfig({ file, env: { K: pem(certs.clientKey) } });
    expect(config.target?.key).toContain("PRIVATE KEY");
    expect(redactConfig(config).target?.key).toBe("[redacted]");
  });
});
