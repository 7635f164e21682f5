// OTLP/HTTP bodies of an ExportTraceServiceRequest, binary protobuf or JSON, written by hand: the few
// messages a trace export needs (opentelemetry-proto, trace/v1 and common/v1) fit in this file, and it
// keeps the sink free of a code generator, a .proto loader or the SDK's internal transformer.

/** An attribute value: a string, an integer (int64), a boolean, a double as `{ double }`, or a list of strings. */
export type AttrValue = string | number | boolean | { double: number } | readonly string[];
export type Attr = readonly [key: string, value: AttrValue];

/** SpanKind of opentelemetry-proto. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** Status.StatusCode of opentelemetry-proto. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** One span, ids as lowercase hex, times in (fractional) Unix milliseconds. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: readonly Attr[];
  status: number;
  /** The `service.name` of its resource when it is not the sink's own (a service of the workflow's map). */
  service?: string;
}

/** Spans of one resource (one `service.name`), under one instrumentation scope. */
export interface ResourceSpans {
  resource: readonly Attr[];
  spans: readonly SpanData[];
}

export interface Scope {
  name: string;
  version: string;
}

/** Nanoseconds since the epoch of a millisecond instant, exact to the nanosecond for 0.1 ms steps. */
function nanos(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}

const utf8 = new TextEncoder();

/** Value of a lowercase hex digit by its char code (ids are lowercase hex). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX["0123456789abcdef".charCodeAt(i)] = i;

/** A growable protobuf writer; nested messages get their length written after their body. */
class Writer {
  buf = new Uint8Array(64 * 1024);
  view = new DataView(this.buf.buffer);
  pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.room(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  string(field: number, s: string): void {
    this.tag(field, 2);
    // Worst case 3 bytes per UTF-16 unit; the length prefix is fixed after the bytes are written.
    const start = this.begin();
    this.room(s.length * 3);
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos));
    this.pos += written;
    this.end(start);
  }

  hexBytes(field: number, hex: string): void {
    this.tag(field, 2);
    this.varint(hex.length / 2);
    this.room(hex.length / 2);
    for (let i = 0; i < hex.length; i += 2) {
      this.buf[this.pos++] = (HEX[hex.charCodeAt(i)]! << 4) | HEX[hex.charCodeAt(i + 1)]!;
    }
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, 1);
    this.room(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Starts a length-delimited body (after its tag): one byte is kept for the length. */
  begin(): number {
    this.room(1);
    return this.pos++;
  }

  /** Ends the body begun at `start`: writes its length, moving the body when it needs more bytes. */
  end(start: number): void {
    const len = this.pos - start - 1;
    let extra = 0;
    for (let v = len; v > 0x7f; v = Math.floor(v / 128)) extra++;
    if (extra > 0) {
      this.room(extra);
      this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
      this.pos += extra;
    }
    let at = start;
    let v = len;
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[at] = v;
  }

  message(field: number, body: () => void): void {
    this.tag(field, 2);
    const start = this.begin();
    body();
    this.end(start);
  }
}

function writeValue(w: Writer, v: AttrValue): void {
  if (typeof v === "string") w.string(1, v);
  else if (typeof v === "boolean") {
    w.tag(2, 0);
    w.varint(v ? 1 : 0);
  } else if (typeof v === "number") {
    // Attributes here are small non-negative integers (status codes, indexes, counts).
    w.tag(3, 0);
    w.varint(v);
  } else if (isList(v)) {
    // AnyValue.array_value: an ArrayValue of AnyValues (an empty list is an empty ArrayValue).
    w.message(5, () => {
      for (const item of v) w.message(1, () => w.string(1, item));
    });
  } else w.double(4, v.double);
}

function isList(v: AttrValue): v is readonly string[] {
  return Array.isArray(v);
}

function writeAttrs(w: Writer, field: number, attrs: readonly Attr[]): void {
  for (const [key, value] of attrs) {
    w.message(field, () => {
      w.string(1, key);
      w.message(2, () => writeValue(w, value));
    });
  }
}

function writeSpan(w: Writer, s: SpanData): void {
  w.hexBytes(1, s.traceId);
  w.hexBytes(2, s.spanId);
  if (s.parentSpanId !== null) w.hexBytes(4, s.parentSpanId);
  w.string(5, s.name);
  w.tag(6, 0);
  w.varint(s.kind);
  w.fixed64(7, nanos(s.startMs));
  w.fixed64(8, nanos(s.endMs));
  writeAttrs(w, 9, s.attributes);
  if (s.status !== StatusCode.UNSET) {
    w.message(15, () => {
      w.tag(3, 0);
      w.varint(s.status);
    });
  }
}

/** An ExportTraceServiceRequest as protobuf bytes (`application/x-protobuf`). */
export function encodeProtobuf(groups: readonly ResourceSpans[], scope: Scope): Uint8Array {
  const w = new Writer();
  for (const g of groups) {
    w.message(1, () => {
      w.message(1, () => writeAttrs(w, 1, g.resource));
      w.message(2, () => {
        w.message(1, () => {
          w.string(1, scope.name);
          w.string(2, scope.version);
        });
        for (const s of g.spans) w.message(2, () => writeSpan(w, s));
      });
    });
  }
  return w.buf.subarray(0, w.pos);
}

function jsonValue(v: AttrValue): Record<string, unknown> {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  // OTLP/JSON writes int64 as a decimal string.
  if (typeof v === "number") return { intValue: String(v) };
  if (isList(v)) return { arrayValue: { values: v.map((item) => ({ stringValue: item })) } };
  return { doubleValue: v.double };
}

const jsonAttrs = (attrs: readonly Attr[]) => attrs.map(([key, v]) => ({ key, value: jsonValue(v) }));

function jsonSpan(s: SpanData): Record<string, unknown> {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId === null ? {} : { parentSpanId: s.parentSpanId }),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: String(nanos(s.startMs)),
    endTimeUnixNano: String(nanos(s.endMs)),
    attributes: jsonAttrs(s.attributes),
    ...(s.status === StatusCode.UNSET ? {} : { status: { code: s.status } }),
  };
}

/** An ExportTraceServiceRequest as OTLP/JSON (`application/json`: hex ids, int64 as strings). */
export function encodeJson(groups: readonly ResourceSpans[], scope: Scope): Uint8Array {
  const body = {
    resourceSpans: groups.map((g) => ({
      resource: { attributes: jsonAttrs(g.resource) },
      scopeSpans: [{ scope, spans: g.spans.map(jsonSpan) }],
    })),
  };
  return Buffer.from(JSON.stringify(body));
}
