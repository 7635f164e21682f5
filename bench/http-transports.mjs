#!/usr/bin/env node
// bench/http-transports: the HTTP clients HTTP mode could send with, alone (no engine, no events), one
// after the other against a server already listening on loopback: Node's net.Socket writing a
// pre-built request and counting one response per chunk (the anchor: Node's plain stream API, a Buffer
// and a 'data' event per read; the H1Pool reads through `onread` into one buffer and costs less),
// tracewalk's H1Pool (dist/http/h1-pool.js) and undici's Pool.dispatch with a handler that does
// nothing. Prints requests/s, CPU per request and each rate over the anchor's.
// Usage: npm run build && node bench/http-transports.mjs --port PORT [--connections 64] [--seconds 4]
import { connect } from "node:net";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { H1Pool } from "../dist/http/h1-pool.js";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "4" },
  },
});
const port = Number(values.port);
const C = Number(values.connections);
const S = Number(values.seconds);
if (!Number.isInteger(port) || port < 1 || !(C >= 1) || !(S > 0)) {
  console.error(
    "bench/http-transports: --port PORT of a server on 127.0.0.1 is required (e.g. bench/http's nginx)",
  );
  process.exit(2);
}
const HEAD = `GET /api/x?a=1 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nconnection: keep-alive\r\n\r\n`;

/** Runs `start(next)` on C loops for S seconds: each loop calls next() when its response ended. */
function measure(start) {
  return new Promise((resolve) => {
    let n = 0;
    let stop = false;
    let open = C;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const next = (again) => {
      n++;
      if (!stop) return again();
      if (--open > 0) return;
      const wall = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      resolve({ rps: n / wall, us: (c.user + c.system) / n }); // cpuUsage is in µs
    };
    for (let i = 0; i < C; i++) start(next);
    setTimeout(() => {
      stop = true;
    }, S * 1000);
  });
}

const rawNet = (next) => {
  const req = Buffer.from(HEAD, "latin1");
  const s = connect({ port, host: "127.0.0.1", noDelay: true }, () => s.write(req));
  s.on("data", () => next(() => s.write(req))); // one response per chunk: no pipelining, small body
  return () => s.destroy();
};

function pooled(dispatch) {
  return (next) => {
    const go = () =>
      dispatch({
        onConnect() {},
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => next(go),
        onError(err) {
          console.error(err);
          process.exit(1);
        },
      });
    go();
  };
}

const results = [];
const sockets = [];
const runs = [
  ["net.Socket (anchor)", (next) => sockets.push(rawNet(next))],
  ["H1Pool", null],
  ["undici Pool", null],
];
console.log(
  `127.0.0.1:${port}, ${C} connections, ${S} s each; load average before: ${loadavg()[0].toFixed(2)}`,
);
for (const [name, fixed] of runs) {
  let start = fixed;
  let close = async () => {
    for (const s of sockets.splice(0)) s();
  };
  if (name === "H1Pool") {
    const p = new H1Pool({ origin: new URL(`http://127.0.0.1:${port}`), connections: C, timeoutMs: 10_000 });
    const req = { text: HEAD };
    start = pooled((h) => p.dispatch(req, h));
    close = () => p.destroy();
  } else if (name === "undici Pool") {
    const p = new Pool(`http://127.0.0.1:${port}`, { connections: C, pipelining: 1 });
    const opts = { path: "/api/x?a=1", method: "GET", headers: null, body: null };
    start = pooled((h) => p.dispatch(opts, h));
    close = () => p.destroy();
  }
  const r = await measure(start);
  await close();
  results.push(r);
  const ratio = (r.rps / results[0].rps).toFixed(3);
  console.log(
    `${name.padEnd(20)} ${Math.round(r.rps).toLocaleString("en-US").padStart(9)} req/s  ${r.us.toFixed(1)} µs CPU/req  ratio to anchor ${ratio}`,
  );
}
console.log(`load average after: ${loadavg()[0].toFixed(2)}`);
