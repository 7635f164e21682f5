#!/usr/bin/env node
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generatedLines } from "./generated-lines.mjs";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "50000" },
    rounds: { type: "string", default: "12" },
    root: { type: "string" },
  },
});
const here = new URL("..", import.meta.url).pathname;
const root = values.root ?? here;
const { JsonlEncoder } = await import(join(root, "dist/sinks/index.js"));
const lines = generatedLines().slice(0, Number(values.events));
const parsed = lines.map((l) => JSON.parse(l));
const { EngineEvent, SessionText, EndpointText } = await import(join(root, "dist/event/index.js"));
const { TimestampFormatter } = await import(join(root, "dist/sim/timefmt.js"));
// Fresh events as that checkout's engine makes them: EngineEvents (timestamp numbers kept) where it
// has them, else plain objects; ids by concatenation, timestamps from the engine's own formatter.
const fresh = () => {
  const fmt = new TimestampFormatter();
  sessions.clear(); // each round makes its sessions' bytes again, as a run does once per session
  return parsed.map((e) => {
    const id = `${e.session_id}-${e.call_index}`;
    const ts = fmt.format(Date.parse(e.timestamp));
    if (EngineEvent === undefined) return { ...e, event_id: id, timestamp: ts };
    const { workflow: w, user_id: u, user_type: t, session_id: s, call_index: i } = e;
    const [ep, path, method, params] = [e.endpoint, e.path, e.method, e.params];
    const [status, rt, retry, cascade] = [e.status_code, e.response_time_ms, e.is_retry, e.cascade_id];
    const m = [fmt.minute, fmt.inMinute];
    if (EngineEvent.made === undefined)
      return new EngineEvent(
        id,
        ts,
        ...m,
        w,
        u,
        t,
        s,
        i,
        ep,
        path,
        method,
        params,
        status,
        rt,
        retry,
        cascade,
      );
    // As the engine makes them since: one SessionText a session, one EndpointText an endpoint.
    if (!sessions.has(s)) sessions.set(s, new SessionText(w, u, t, s));
    const epKey = `${method} ${ep}`;
    if (!endpoints.has(epKey)) endpoints.set(epKey, new EndpointText(ep, method));
    const [st, et] = [sessions.get(s), endpoints.get(epKey)];
    return EngineEvent.made(st, i, ts, ...m, et, path, params, status, rt, retry, cascade);
  });
};
const sessions = new Map();
const endpoints = new Map();

/** The anchor: the plain way, one JSON.stringify per event written into a reused buffer. */
class StringifyEncoder {
  buf = Buffer.allocUnsafeSlow(4 << 20);
  pos = 0;
  encode(events, out) {
    for (const e of events) {
      const line = `${JSON.stringify(e)}\n`;
      if (this.pos + line.length * 3 > this.buf.length) this.flush(out);
      this.pos += this.buf.write(line, this.pos);
    }
  }
  flush(out) {
    out.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafeSlow(4 << 20);
    this.pos = 0;
  }
}

function nsPerEvent(Encoder) {
  const ev = fresh();
  const enc = new Encoder();
  const out = [];
  const c = process.cpuUsage();
  for (let i = 0; i < ev.length; i += 8192) {
    enc.encode(ev.slice(i, i + 8192), out);
    if (out.length > 4) out.length = 0;
  }
  enc.flush(out);
  const u = process.cpuUsage(c);
  return ((u.user + u.system) * 1000) / ev.length;
}

// `generate`'s two halves where the checkout has them: the worker packs (BatchPacker), the main
// thread encodes the packed batches (encodePacked). CPU ns per event of each.
const packer = await import(join(root, "dist/sinks/jsonl-packer.js")).catch(() => null);
function packedHalves() {
  const ev = fresh();
  const p = new packer.BatchPacker();
  const batches = [];
  let c = process.cpuUsage();
  for (let i = 0; i < ev.length; i += 8192) batches.push(p.pack(ev.slice(i, i + 8192)));
  const pack = process.cpuUsage(c);
  const enc = new JsonlEncoder();
  const out = [];
  c = process.cpuUsage();
  for (const b of batches) {
    enc.encodePacked(b, out);
    if (out.length > 4) out.length = 0;
  }
  enc.flush(out);
  const encode = process.cpuUsage(c);
  const ns = (u) => ((u.user + u.system) * 1000) / ev.length;
  return [ns(pack), ns(encode)];
}

// Interleaved rounds, the least of each: on a shared machine the minimum is the figure least moved by others.
let tw = Number.POSITIVE_INFINITY;
let anchor = Number.POSITIVE_INFINITY;
const halves = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
for (let r = 0; r < Number(values.rounds); r++) {
  tw = Math.min(tw, nsPerEvent(JsonlEncoder));
  anchor = Math.min(anchor, nsPerEvent(StringifyEncoder));
  if (packer !== null) {
    const [a, b] = packedHalves();
    halves[0] = Math.min(halves[0], a);
    halves[1] = Math.min(halves[1], b);
  }
}
console.log(`events: ${parsed.length.toLocaleString("en-US")}, encoder from ${root}`);
console.log(`tracewalk JsonlEncoder: ${tw.toFixed(0)} CPU ns/event (least of ${values.rounds} rounds)`);
console.log(`anchor, JSON.stringify per event into a buffer: ${anchor.toFixed(0)} CPU ns/event`);
console.log(`ratio anchor/tracewalk (higher is faster): ${(anchor / tw).toFixed(2)}`);
if (packer !== null)
  console.log(
    `generate's halves: packing (worker) ${halves[0].toFixed(0)}, encoding packed (main thread) ${halves[1].toFixed(0)} CPU ns/event`,
  );
