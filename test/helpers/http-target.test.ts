import { Agent, request } from "undici";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { waitFor } from "./cli.js";
import {
  type Behavior,
  DEFAULT_BODY,
  freePort,
  type Received,
  startTarget,
  type Target,
} from "./http-target.js";

// Small client timeouts: a behaviour that fails to answer fails the test in a second, not at vitest's limit.
const agent = new Agent({ headersTimeout: 1_000, bodyTimeout: 1_000, connectTimeout: 1_000 });
const opened: Target[] = [];

async function target(respond?: (r: Received) => Behavior): Promise<Target> {
  const t = await startTarget(respond);
  opened.push(t);
  return t;
}

/** The error a request rejects with (fails if it resolves). */
async function failure(url: string, opts: { headersTimeout?: number } = {}): Promise<NodeJS.ErrnoException> {
  const outcome = await request(url, { dispatcher: agent, ...opts }).then(
    async (res) => `answered ${res.statusCode}: ${await res.body.text()}`,
    (err: NodeJS.ErrnoException) => err,
  );
  if (typeof outcome === "string") throw new Error(`expected the request to fail, but it ${outcome}`);
  return outcome;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
afterAll(() => agent.close());

describe("startTarget", () => {
  it("listens on 127.0.0.1 and records method, path, query, headers, body and arrival time", async () => {
    const t = await target();
    expect(t.url).toBe(`http://127.0.0.1:${t.port}`);
    const before = Date.now();
    const res = await request(`${t.url}/orders/42?expand=items&page=2`, {
      dispatcher: agent,
      method: "POST",
      headers: { "content-type": "application/json", "x-session": "s-1" },
      body: '{"qty":3}',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(await res.body.text()).toBe(DEFAULT_BODY);
    expect(t.received).toHaveLength(1);
    const r = t.received[0] as Received;
    expect(r).toMatchObject({ method: "POST", path: "/orders/42", query: { expand: "items", page: "2" } });
    expect(r.body).toBe('{"qty":3}');
    expect(r.headers["x-session"]).toBe("s-1");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.at).toBeGreaterThanOrEqual(before);
    expect(r.at).toBeLessThanOrEqual(Date.now());
  });

  it("answers with the status, headers and body the test asks for, per request", async () => {
    const t = await target((r) =>
      r.path === "/down"
        ? { status: 503, body: "busy", headers: { "content-type": "text/plain", "retry-after": "1" } }
        : {},
    );
    const down = await request(`${t.url}/down`, { dispatcher: agent });
    expect(down.statusCode).toBe(503);
    expect(down.headers["retry-after"]).toBe("1");
    expect(down.headers["content-type"]).toBe("text/plain");
    expect(await down.body.text()).toBe("busy");
    const up = await request(`${t.url}/up`, { dispatcher: agent });
    expect(up.statusCode).toBe(200);
    await up.body.dump();
    expect(t.received.map((r) => r.path)).toEqual(["/down", "/up"]);
  });

  it("answers a delayed request no sooner than its delay after arrival", async () => {
    const t = await target(() => ({ delayMs: 150 }));
    const res = await request(`${t.url}/slow`, { dispatcher: agent });
    const answered = Date.now();
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    // Timers may fire up to a millisecond early against Date.now's rounding.
    expect(answered - (t.received[0] as Received).at).toBeGreaterThanOrEqual(149);
  });

  it('"reset" closes the connection with an RST and no response: the client sees ECONNRESET', async () => {
    const t = await target(() => "reset");
    const err = await failure(`${t.url}/boom`);
    expect(err.code).toBe("ECONNRESET");
    expect(t.received.map((r) => r.path)).toEqual(["/boom"]);
  });

  it('"hang" never answers: the client times out while the server holds the request', async () => {
    const t = await target(() => "hang");
    const err = await failure(`${t.url}/stuck`, { headersTimeout: 200 });
    expect(err.code).toBe("UND_ERR_HEADERS_TIMEOUT");
    expect(t.received.map((r) => r.path)).toEqual(["/stuck"]);
  });

  it("close() ends hanging and delayed requests at once, so the client sees the socket close", async () => {
    const t = await target((r) => (r.path === "/hang" ? "hang" : { delayMs: 60_000 }));
    const hanging = failure(`${t.url}/hang`);
    const delayed = failure(`${t.url}/delayed`);
    await waitFor("both requests to arrive", () => t.received.length === 2, 5_000);
    await t.close();
    // Both fail on the closed socket, long before the client's own 1 s timeouts or the 60 s delay.
    for (const err of await Promise.all([hanging, delayed])) expect(err.code).toBe("UND_ERR_SOCKET");
    await t.close(); // twice is fine
  });

  it.each([301, 302, 307, 308] as const)("redirects with %i and the Location it is given", async (status) => {
    const t = await target((r) => (r.path === "/old" ? { redirect: "/new?x=1", status } : {}));
    const res = await request(`${t.url}/old`, { dispatcher: agent });
    expect(res.statusCode).toBe(status);
    expect(res.headers.location).toBe("/new?x=1");
    await res.body.dump();
    expect(t.received.map((r) => r.path)).toEqual(["/old"]); // undici's request does not follow it
  });

  it("redirects with 302 when no status is given", async () => {
    const t = await target(() => ({ redirect: "http://localhost:1/elsewhere" }));
    const res = await request(`${t.url}/`, { dispatcher: agent });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("http://localhost:1/elsewhere");
    await res.body.dump();
  });

  it("answers 500 naming the error when the respond function throws", async () => {
    const t = await target(() => {
      throw new Error("no rule for this path");
    });
    const res = await request(`${t.url}/x`, { dispatcher: agent });
    expect(res.statusCode).toBe(500);
    expect(await res.body.text()).toContain("no rule for this path");
  });
});

describe("freePort", () => {
  it("gives a loopback port that refuses connections", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const err = await failure(`http://127.0.0.1:${port}/`);
    expect(err.code).toBe("ECONNREFUSED");
  });
});
