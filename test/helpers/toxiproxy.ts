// A real Toxiproxy server (Shopify/toxiproxy v2.12, built by scripts/toxiproxy/build.sh) on a free
// loopback port, for HTTP drill tests. stop() kills it; every wait is bounded.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "./http-target.js";

const REPO = new URL("../..", import.meta.url).pathname;

/** The server binary: $TOXIPROXY_SERVER, or the one build.sh caches (built now if missing). */
function serverBinary(): string {
  const given = process.env.TOXIPROXY_SERVER;
  if (given !== undefined && existsSync(given)) return given;
  const r = spawnSync("bash", [`${REPO}scripts/toxiproxy/build.sh`], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scripts/toxiproxy/build.sh failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trim().split("\n").pop()!;
}

/** One toxic as Toxiproxy's API takes it. */
export interface Toxic {
  name: string;
  type: "latency" | "bandwidth" | "slow_close" | "timeout" | "reset_peer" | "slicer" | "limit_data";
  stream?: "upstream" | "downstream";
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface Toxiproxy {
  /** The API's base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /**
   * Creates a proxy to `upstream` listening on a loopback port (`listen`, default any free one);
   * returns its `http://127.0.0.1:<port>`.
   */
  proxy(name: string, upstream: string, listen?: string): Promise<string>;
  /** Adds a toxic to a proxy (`toxicity` 1 unless given). */
  addToxic(proxy: string, toxic: Toxic): Promise<void>;
  /** Removes a toxic by name. */
  removeToxic(proxy: string, name: string): Promise<void>;
  /** Enables or disables a proxy: disabled, it closes its connections and refuses new ones. */
  setEnabled(proxy: string, enabled: boolean): Promise<void>;
  /** The toxics on a proxy now. */
  toxics(name: string): Promise<{ name: string; type: string; attributes: Record<string, number> }[]>;
  stop(): Promise<void>;
}

async function api(url: string, method = "GET", body?: unknown): Promise<Response> {
  return fetch(url, {
    method,
    signal: AbortSignal.timeout(2000),
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

/** Starts toxiproxy-server on a free loopback port and waits (at most 10 s) until its API answers. */
export async function startToxiproxy(): Promise<Toxiproxy> {
  const bin = serverBinary();
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ["-host", "127.0.0.1", "-port", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await api(`${url}/version`)).ok) break;
    } catch {}
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`toxiproxy-server did not answer on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async proxy(name, upstream, listen = "127.0.0.1:0") {
      const res = await api(`${url}/proxies`, "POST", {
        name,
        listen,
        upstream,
        enabled: true,
      });
      if (res.status !== 201)
        throw new Error(`creating proxy ${name}: HTTP ${res.status} ${await res.text()}`);
      const p = (await res.json()) as { listen: string };
      return `http://${p.listen}`;
    },
    async addToxic(proxy, toxic) {
      const res = await api(`${url}/proxies/${proxy}/toxics`, "POST", { toxicity: 1, ...toxic });
      if (!res.ok)
        throw new Error(`adding toxic ${toxic.name} to ${proxy}: HTTP ${res.status} ${await res.text()}`);
    },
    async removeToxic(proxy, name) {
      const res = await api(`${url}/proxies/${proxy}/toxics/${name}`, "DELETE");
      if (!res.ok)
        throw new Error(`removing toxic ${name} from ${proxy}: HTTP ${res.status} ${await res.text()}`);
    },
    async setEnabled(proxy, enabled) {
      const res = await api(`${url}/proxies/${proxy}`, "POST", { enabled });
      if (!res.ok)
        throw new Error(
          `${enabled ? "enabling" : "disabling"} ${proxy}: HTTP ${res.status} ${await res.text()}`,
        );
    },
    async toxics(name) {
      const res = await api(`${url}/proxies/${name}/toxics`);
      return (await res.json()) as { name: string; type: string; attributes: Record<string, number> }[];
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      });
    },
  };
}
