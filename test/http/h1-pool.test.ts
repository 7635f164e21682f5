import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { errorKind } from "../../src/http/errors.js";
import { type ExchangeHandler, H1Pool } from "../../src/http/h1-pool.js";
import { freePort } from "../helpers/http-target.js";

// H1Pool against a real TCP server on loopback (port 0) that answers each request head the way the
// test says, so that framing, reuse, closes and timeouts are the server's doing, byte for byte.

type Answer = (n: number, socket: Socket) => string | null;

const servers: Server[] = [];
const pools: H1Pool[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const p of pools.splice(0)) await p.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server answering the n-th request (from 0) with `answer(n)` (null: say nothing); counts connections. */
async function server(answer: Answer) {
  const sockets = new Set<Socket>();
  let connections = 0;
  let n = 0;
  const s = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buf = "";
    socket.on("data", (d) => {
      buf += d.toString("latin1");
      for (let end = buf.indexOf("\r\n\r\n"); end >= 0; end = buf.indexOf("\r\n\r\n")) {
        buf = buf.slice(end + 4);
        const text = answer(n++, socket);
        if (text !== null) socket.write(text);
      }
    });
  });
  servers.push(s);
  s.on("close", () => {
    for (const k of sockets) k.destroy();
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  return { url: new URL(`http://127.0.0.1:${port}`), connections: () => connections, sockets };
}

function pool(url: URL, connections = 2, timeoutMs = 2000): H1Pool {
  const p = new H1Pool({ origin: url, connections, timeoutMs });
  pools.push(p);
  return p;
}

/** Sends one GET; resolves with `status` or `error <kind>`. */
function get(p: H1Pool): Promise<string> {
  return new Promise((resolve) => {
    let status = 0;
    const h: ExchangeHandler = {
      onConnect: () => {},
      onHeaders: (s) => {
        status = s;
        return true;
      },
      onComplete: () => resolve(String(status)),
      onError: (err) => resolve(`error ${errorKind(err)}`),
    };
    p.dispatch({ text: "GET / HTTP/1.1\r\nhost: x\r\n\r\n" }, h);
  });
}

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

describe("H1Pool against a real server", () => {
  it("keeps at most `connections` open and reuses them; requests over the cap wait their turn", async () => {
    const t = await server(() => OK);
    const p = pool(t.url, 2);
    const all = await Promise.all(Array.from({ length: 50 }, () => get(p)));
    expect(all).toEqual(Array(50).fill("200"));
    expect(t.connections()).toBe(2);
    expect(await get(p)).toBe("200");
    expect(t.connections()).toBe(2);
  });

  it("opens a new connection after a response that closes its own", async () => {
    const t = await server((n) =>
      n % 2 === 0 ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n" : OK,
    );
    const p = pool(t.url, 1);
    for (let i = 0; i < 4; i++) expect(await get(p)).toBe("200");
    // Requests 0 and 2 closed their connections: 0 | 1, 2 | 3.
    expect(t.connections()).toBe(3);
  });

  it("a body cut by the server's close is a reset; one read until the close completes", async () => {
    const cut = await server((_, s) => {
      s.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      return null;
    });
    expect(await get(pool(cut.url))).toBe("error reset");
    const toClose = await server((_, s) => {
      s.end("HTTP/1.1 200 OK\r\n\r\nall of it");
      return null;
    });
    expect(await get(pool(toClose.url))).toBe("200");
  });

  it("a silent server is a timeout; a closed port is refused; destroy ends what waits", async () => {
    const t = await server(() => null);
    expect(await get(pool(t.url, 1, 150))).toBe("error timeout");
    const refused = pool(new URL(`http://127.0.0.1:${await freePort()}`));
    expect(await get(refused)).toBe("error refused");
    let heard: () => void = () => {};
    const first = new Promise<void>((r) => {
      heard = r;
    });
    const silent = await server(() => {
      heard();
      return null;
    });
    const p = pool(silent.url, 1, 60_000);
    const waiting = [get(p), get(p)]; // one in flight, the other in line behind it
    await first;
    await p.destroy();
    expect(await Promise.all(waiting)).toEqual(["error other", "error other"]);
    // Destroyed while it connects: the request still ends.
    const connecting = pool(silent.url, 1, 60_000);
    const pending = get(connecting);
    await connecting.destroy();
    expect(await pending).toBe("error other");
  });

  it("responses in pieces on several connections at once, each read into the one shared buffer", async () => {
    // Every socket of the pool reads into one buffer: pieces of three responses (heads cut inside a
    // name and inside their CRLFCRLF, a chunked body cut in its size line) arrive interleaved, a few
    // ms apart, so that each lands in that buffer over the previous connection's bytes.
    const answers: Record<string, string> = {
      "/a": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "/b": "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      "/c": "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno",
    };
    const cuts = [5, 20, 27, 29, 31, 36, 41, 50];
    const waiting: { socket: Socket; text: string }[] = [];
    const s = createServer((socket) => {
      let buf = "";
      socket.on("data", async (d) => {
        buf += d.toString("latin1");
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const path = buf.split(" ")[1]!;
        buf = buf.slice(end + 4);
        waiting.push({ socket, text: answers[path]! });
        if (waiting.length < 3) return;
        const round = waiting.splice(0);
        for (let i = 0; i <= cuts.length; i++) {
          for (const w of round) w.socket.write(w.text.slice(cuts[i - 1] ?? 0, cuts[i]));
          await new Promise((r) => setTimeout(r, 5));
        }
      });
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const p = pool(new URL(`http://127.0.0.1:${(s.address() as { port: number }).port}`), 3);
    const send = (path: string) =>
      new Promise<string>((resolve) => {
        let status = 0;
        p.dispatch(
          { text: `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n` },
          {
            onConnect: () => {},
            onHeaders: (code) => {
              status = code;
              return true;
            },
            onComplete: () => resolve(`${path} ${status}`),
            onError: (err) => resolve(`${path} error ${errorKind(err)}`),
          },
        );
      });
    for (let round = 0; round < 2; round++) {
      // The second round reuses the three connections: each parser ended clean.
      expect(await Promise.all(["/a", "/b", "/c"].map(send))).toEqual(["/a 200", "/b 201", "/c 404"]);
    }
  });

  it("a connection the target closed while it sat idle is not reused: the request goes on a new one", async () => {
    // The server (another process, so that it runs while this one is busy) closes each connection
    // 50 ms after its response, like a short keep-alive timeout.
    const child = spawn(
      process.execPath,
      [
        "-e",
        `require("node:net").createServer((s) => s.on("error", () => {}).on("data", () => {
           s.write("HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok");
           setTimeout(() => s.end(), 50);
         })).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    children.push(child);
    const port = await new Promise<number>((r) => child.stdout!.once("data", (d) => r(Number(String(d)))));
    const p = pool(new URL(`http://127.0.0.1:${port}`), 1);
    expect(await get(p)).toBe("200");
    // Busy for longer than the server takes to close: its FIN waits unread when the next request
    // comes, on a connection idle for more than a second.
    const until = performance.now() + 1200;
    while (performance.now() < until) {}
    expect(await get(p)).toBe("200");
  });
});
