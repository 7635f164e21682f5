import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";

/** A Kafka broker for tests and benches; `kill`/`restart` exist only for a broker this harness started. */
export interface KafkaHarness {
  readonly brokers: string[];
  /** True when this harness runs the broker process (false for KAFKA_BROKERS). */
  readonly managed: boolean;
  /** Data dir of a managed broker (server.log is in it). */
  readonly dataDir: string | undefined;
  /** With `secured`: the SASL/PLAIN listener, where clients are denied unless an ACL allows them. */
  readonly saslBrokers?: string[];
  /** With `tls`: the SSL listener (TLS, no authentication) and the SASL_SSL one (TLS + SASL/PLAIN). */
  readonly sslBrokers?: string[];
  readonly saslSslBrokers?: string[];
  /** Graceful stop (SIGTERM, then SIGKILL after 30 s); removes the data dir. Safe twice. */
  stop(): Promise<void>;
  /** SIGKILL the broker, keeping its data and ports. */
  kill(): Promise<void>;
  /** Starts the broker again on the same data dir and ports, and waits until it answers. */
  restart(): Promise<void>;
}

export interface StartKafkaOptions {
  /** Always start a local broker, even when KAFKA_BROKERS is set (for tests that kill it). */
  dedicated?: boolean;
  /** How long to wait for the broker to answer (default 90 s). */
  readyTimeoutMs?: number;
  /**
   * A dedicated broker with an authorizer: besides its PLAINTEXT listener (whose anonymous clients,
   * the broker itself included, are super users), a SASL/PLAIN listener with these users, who may do
   * nothing an ACL does not allow (`allow.everyone.if.no.acl.found=false`).
   */
  secured?: { users: Record<string, string> };
  /**
   * A dedicated broker with two more listeners: SSL and SASL_SSL (SASL/PLAIN with `users`), serving
   * the key and certificate of a PKCS12 `keystore` (see tls-certs.ts). Clients are not asked for a
   * certificate. Without `secured` there is no authorizer: every client may do everything.
   */
  tls?: { keystore: string; password: string; users: Record<string, string> };
  /**
   * A dedicated broker that advertises another address than its own: called with the broker's port
   * before it starts, it returns the `host:port` clients are told to use (e.g. a Toxiproxy proxy in
   * front of it, so a client that bootstraps through the proxy stays on it). Not with `secured`/`tls`.
   */
  advertise?: (brokerPort: number) => Promise<string>;
}

/** The repository root: the nearest directory up from here holding scripts/kafka (this file is also compiled to .cache for bench/kafka). */
function findRepo(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "scripts/kafka/start.sh"))) {
    const up = resolve(dir, "..");
    if (up === dir) throw new Error("scripts/kafka/start.sh not found above test/helpers");
    dir = up;
  }
  return dir;
}

const REPO = findRepo();
const SCRIPTS = join(REPO, "scripts/kafka");
const LIBS = process.env.KAFKA_LIBS_DIR ?? join(REPO, ".cache/kafka/libs");

/** Where the broker jars are (fetched by scripts/kafka/fetch.sh); also used by bench/kafka. */
export const KAFKA_LIBS_DIR = LIBS;

/**
 * Gives a broker: KAFKA_BROKERS if set; else (Docker path, not in this build); else a single-node KRaft
 * broker from the Maven Central jars (fetched when missing), started here and owned by the caller.
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaHarness> {
  const external = process.env.KAFKA_BROKERS;
  if (external && !options.dedicated) return externalHarness(external.split(",").map((b) => b.trim()));
  if (!hasJava() && dockerReachable()) {
    // DOCKER PATH: would start a Kafka container with testcontainers; the dependency is not installed.
    throw new Error(
      "docker path not available in this build: install a JRE 17+ (and maven) or set KAFKA_BROKERS",
    );
  }
  if (!hasJava()) throw new Error("no Kafka available: set KAFKA_BROKERS or install a JRE 17+ and maven");
  fetchJars();
  const extra = (options.secured ? 1 : 0) + (options.tls ? 2 : 0);
  const [port, controllerPort, ...more] = await freePorts(2 + extra);
  const broker = new LocalBroker(await mkdtemp(join(tmpdir(), "tracewalk-kafka-")), port!, controllerPort!);
  if (options.secured) broker.secure(more.shift()!, options.secured.users);
  if (options.tls) broker.tls(more.shift()!, more.shift()!, options.tls);
  broker.writeListeners();
  if (options.advertise && !options.secured && !options.tls)
    broker.advertiseAs(await options.advertise(port!));
  await broker.start(options.readyTimeoutMs ?? 90_000);
  return broker;
}

function externalHarness(brokers: string[]): KafkaHarness {
  const refuse = async () => {
    throw new Error("kill/restart need a broker started by the harness (unset KAFKA_BROKERS)");
  };
  return { brokers, managed: false, dataDir: undefined, stop: async () => {}, kill: refuse, restart: refuse };
}

function hasJava(): boolean {
  return spawnSync("java", ["-version"], { stdio: "ignore" }).status === 0;
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync("/var/run/docker.sock");
}

function fetchJars(): void {
  const r = spawnSync("bash", [join(SCRIPTS, "fetch.sh"), LIBS], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`scripts/kafka/fetch.sh failed: ${r.stderr?.toString() ?? ""}`);
}

/** Ports free on 127.0.0.1 now: all are held open together so they differ, then released. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((ok, fail) => s.once("error", fail).listen(0, "127.0.0.1", ok));
    }
    const ports = servers.map((s) => {
      const a = s.address();
      if (a === null || typeof a === "string") throw new Error("no port");
      return a.port;
    });
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

class LocalBroker implements KafkaHarness {
  readonly managed = true;
  readonly brokers: string[];
  saslBrokers: string[] | undefined;
  sslBrokers: string[] | undefined;
  saslSslBrokers: string[] | undefined;
  /** Listeners besides PLAINTEXT and CONTROLLER, by name (which is also the security protocol). */
  private readonly listeners: [string, number][] = [];
  private readonly properties: string[] = [];
  private extraProperties = "";
  private child: ChildProcess | undefined;
  private javaPid: number | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly controllerPort: number,
  ) {
    this.brokers = [`127.0.0.1:${port}`];
  }

  /** Advertises `hostPort` on the PLAINTEXT listener instead of its own address (before the first start). */
  advertiseAs(hostPort: string): void {
    this.extraProperties = `advertised.listeners=PLAINTEXT://${hostPort}`;
  }

  /** Adds a SASL/PLAIN listener on `saslPort` and StandardAuthorizer (before the first start). */
  secure(saslPort: number, users: Record<string, string>): void {
    this.saslBrokers = [`127.0.0.1:${saslPort}`];
    this.listeners.push(["SASL_PLAINTEXT", saslPort]);
    this.properties.push(
      "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
      "allow.everyone.if.no.acl.found=false",
      "super.users=User:ANONYMOUS",
    );
    this.plain("sasl_plaintext", users);
  }

  /** Adds an SSL listener on `sslPort` and a SASL_SSL one on `saslSslPort` (before the first start). */
  tls(sslPort: number, saslSslPort: number, o: NonNullable<StartKafkaOptions["tls"]>): void {
    this.sslBrokers = [`127.0.0.1:${sslPort}`];
    this.saslSslBrokers = [`127.0.0.1:${saslSslPort}`];
    this.listeners.push(["SSL", sslPort], ["SASL_SSL", saslSslPort]);
    this.properties.push(
      "ssl.keystore.type=PKCS12",
      `ssl.keystore.location=${o.keystore}`,
      `ssl.keystore.password=${o.password}`,
      `ssl.key.password=${o.password}`,
      "ssl.client.auth=none",
    );
    this.plain("sasl_ssl", o.users);
  }

  /** SASL/PLAIN with `users` on the listener named `listener` (lower case). */
  private plain(listener: string, users: Record<string, string>): void {
    const jaasUsers = Object.entries(users)
      .map(([u, p]) => `user_${u}="${p}"`)
      .join(" ");
    this.properties.push(
      `listener.name.${listener}.sasl.enabled.mechanisms=PLAIN`,
      `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${jaasUsers};`,
    );
  }

  /** The properties start.sh appends (a later key wins over its own listeners). */
  writeListeners(): void {
    if (this.listeners.length === 0) return;
    const { port, controllerPort } = this;
    const added = this.listeners.map(([name, p]) => `${name}://127.0.0.1:${p}`);
    const map = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", ...this.listeners.map(([n]) => `${n}:${n}`)];
    this.extraProperties = [
      `listeners=${[`PLAINTEXT://127.0.0.1:${port}`, `CONTROLLER://127.0.0.1:${controllerPort}`, ...added].join(",")}`,
      `advertised.listeners=${[`PLAINTEXT://127.0.0.1:${port}`, ...added].join(",")}`,
      `listener.security.protocol.map=${map.join(",")}`,
      "sasl.enabled.mechanisms=PLAIN",
      ...this.properties,
    ].join("\n");
  }

  async start(readyTimeoutMs: number): Promise<void> {
    // start.sh kills the JVM when our end of its stdin closes, so the broker never outlives this process.
    const child = spawn("bash", [join(SCRIPTS, "start.sh")], {
      env: {
        ...process.env,
        KAFKA_DATA_DIR: this.dataDir,
        KAFKA_PORT: String(this.port),
        KAFKA_CONTROLLER_PORT: String(this.controllerPort),
        KAFKA_LIBS_DIR: LIBS,
        KAFKA_WATCH_STDIN: "1",
        KAFKA_EXTRA_PROPERTIES: this.extraProperties,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let exitedEarly = false;
    this.exited = new Promise((ok) =>
      child.once("exit", () => {
        exitedEarly = true;
        ok();
      }),
    );
    this.javaPid = await new Promise<number>((ok, fail) => {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /kafka-pid (\d+)/.exec(out);
        if (m) ok(Number(m[1]));
      });
      child.once("exit", (code) => fail(new Error(`start.sh exited (${code}): ${stderr}`)));
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (!(await this.answers())) {
      if (exitedEarly) throw new Error(`kafka exited during start-up: ${await this.logTail()}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`kafka not ready after ${readyTimeoutMs} ms: ${await this.logTail()}`);
      }
      await sleep(250);
    }
  }

  private async answers(): Promise<boolean> {
    const admin = new Kafka({
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  private async logTail(): Promise<string> {
    const log = await readFile(join(this.dataDir, "server.log"), "utf8").catch(() => "");
    const out = await readFile(join(this.dataDir, "stdout.log"), "utf8").catch(() => "");
    return `${log}\n${out}`.slice(-4000);
  }

  private async signal(sig: NodeJS.Signals, waitMs: number): Promise<boolean> {
    if (this.javaPid === undefined) return true;
    try {
      process.kill(this.javaPid, sig);
    } catch {
      // already gone
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((ok) => {
      timer = setTimeout(() => ok(false), waitMs);
    });
    try {
      return await Promise.race([this.exited.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private release(): void {
    // Closing stdin ends start.sh's watchdog; our ends of its output pipes are not needed any more.
    this.child?.stdin?.destroy();
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.child = undefined;
    this.javaPid = undefined;
  }

  async kill(): Promise<void> {
    await this.signal("SIGKILL", 10_000);
    this.release();
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error("broker was stopped");
    if (this.child) await this.kill();
    await this.start(120_000);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!(await this.signal("SIGTERM", 30_000))) await this.signal("SIGKILL", 10_000);
    this.release();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
