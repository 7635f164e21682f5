import type { Socket } from "node:net";
import { buildConnector } from "undici";
import { type ParseError, type ResponseEvents, ResponseParser } from "./h1-parser.js";

/**
 * How one request went, heard by its sender (the same calls undici's dispatch handler gets, so one
 * exchange serves both transports): the connection it was written on (and how to abort it), its
 * status, its end or the error that ended it.
 */
export interface ExchangeHandler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number): boolean;
  onComplete(): void;
  onError(err: Error): void;
}

/** A request ready to go: its head and body as one string (written in one `write`). */
export interface WireRequest {
  text: string;
}

export interface H1PoolOptions {
  /** `http://host:port` of the target. */
  origin: URL;
  connections: number;
  /** No response head, or no body byte, for this long: the request ends with a timeout. */
  timeoutMs: number;
}

/** A free connection idle this long (ms) is checked for a close before it is reused. */
const STALE_MS = 1000;

/** The Connection a socket belongs to (set when it attaches). */
const CONN = Symbol("tracewalk.h1.connection");
type PoolSocket = Socket & { [CONN]?: Connection };

/**
 * Every socket of every pool reads into this one buffer (net's `onread`): no Buffer, 'data' event or
 * stream machinery per read (measured: ~1.3 µs of CPU less a request on loopback). One is enough:
 * a read is handed to its connection's parser synchronously, and the parser keeps no view into it.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** `onread`'s callback: `this` is the socket that read `n` bytes into READ_BUFFER; true: read on. */
function onRead(this: PoolSocket, n: number): boolean {
  const c = this[CONN];
  // Bytes before any request was written: not a usable connection.
  if (c === undefined) this.destroy();
  else c.read(READ_BUFFER, n);
  return true;
}

/** Ends a request: the kind (errors.ts) is read from `code`. */
function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One keep-alive connection with at most one request in flight. Its timer is created once and
 * refreshed at each write and each chunk read (no timer per request): it fires only when the
 * target is silent for `timeoutMs` while a request waits.
 */
class Connection implements ResponseEvents {
  socket: Socket | null = null;
  handler: ExchangeHandler | null = null;
  private readonly parser = new ResponseParser(this);
  private readonly timer: NodeJS.Timeout;
  private gotStatus = false;
  /** A response ended in the chunk being read; whether the connection may take another request. */
  private ended = false;
  private reusable = false;
  closed = false;
  /** When it last became free (performance.now()). */
  idleSince = 0;

  constructor(private readonly pool: H1Pool) {
    this.timer = setTimeout(this.onTimeout, pool.timeoutMs);
    this.timer.unref();
  }

  /** Takes the socket once connected and listens to it for the rest of its life (reads: onRead). */
  attach(socket: PoolSocket): void {
    this.socket = socket;
    socket[CONN] = this;
    socket.on("end", this.onEnd);
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
  }

  send(req: WireRequest, h: ExchangeHandler): void {
    this.handler = h;
    this.gotStatus = false;
    this.parser.expect();
    h.onConnect(this.abort);
    if (this.handler !== h || this.closed) return; // aborted at once
    this.socket!.write(req.text);
    this.timer.refresh();
  }

  status(code: number): void {
    this.gotStatus = true;
    this.handler?.onHeaders(code);
  }

  /** The response ended (inside `feed`): the connection is handed on once the chunk is read. */
  complete(keepAlive: boolean): void {
    const h = this.handler;
    this.handler = null;
    this.ended = true;
    this.reusable = keepAlive;
    h?.onComplete();
  }

  /** Closes the connection; the request in flight, if any, ends with `err`. */
  close(err: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.destroy();
    const h = this.handler;
    this.handler = null;
    this.pool.gone(this);
    if (h !== null) h.onError(err ?? failure("connection closed", "TW_HTTP_CLOSED"));
  }

  private readonly abort = (err?: Error): void => {
    this.close(err ?? failure("request aborted", "TW_HTTP_ABORTED"));
  };

  /** The socket read `n` bytes into `buf` (reused for the next read: nothing may keep a view into it). */
  read(buf: Buffer, n: number): void {
    if (this.handler === null) {
      this.close(null); // bytes nobody asked for: the connection cannot be trusted with another request
      return;
    }
    let left: number;
    try {
      left = this.parser.feed(buf, n);
    } catch (err) {
      this.close(err as ParseError);
      return;
    }
    if (!this.ended) {
      // The target is still answering: its silence is counted from this chunk.
      if (!this.closed) this.timer.refresh();
      return;
    }
    if (this.closed) return;
    this.ended = false;
    // Bytes past the response, with one request in flight: the connection cannot be trusted.
    if (left > 0 || !this.reusable) this.close(null);
    else this.pool.idle(this);
  }

  private readonly onEnd = (): void => {
    if (this.handler !== null) this.parser.eof(); // a body read until close ends here
    this.close(failure("other side closed", "TW_HTTP_CLOSED"));
  };

  private readonly onError = (err: Error): void => this.close(err);

  private readonly onClose = (): void => this.close(null);

  private readonly onTimeout = (): void => {
    if (this.handler === null || this.closed) return;
    const what = this.gotStatus ? "body" : "headers";
    this.close(failure(`no response ${what} within ${this.pool.timeoutMs} ms`, "TW_HTTP_TIMEOUT"));
  };
}

/**
 * HTTP/1.1 to one origin over at most `connections` keep-alive connections, one request in flight
 * on each (no pipelining): a request takes an idle connection, or opens one below the cap, or waits
 * in line for the first that frees up. A freed connection takes the next request at once. Its
 * connects go through undici's connector (its timeout, its error codes), the rest is this file and
 * h1-parser.ts: a request is one string written once, a response is framed without being copied.
 */
export class H1Pool {
  readonly timeoutMs: number;
  private readonly connect: buildConnector.connector;
  private readonly free: Connection[] = [];
  private readonly queue: { req: WireRequest; h: ExchangeHandler }[] = [];
  private queueHead = 0;
  private readonly all = new Set<Connection>();
  private destroyed = false;

  constructor(private readonly o: H1PoolOptions) {
    this.timeoutMs = o.timeoutMs;
    this.connect = buildConnector({
      timeout: o.timeoutMs,
      onread: { buffer: READ_BUFFER, callback: onRead },
    });
  }

  dispatch(req: WireRequest, h: ExchangeHandler): void {
    if (this.destroyed) {
      h.onError(failure("client closed", "TW_HTTP_DESTROYED"));
      return;
    }
    const c = this.free.pop();
    if (c !== undefined) {
      if (performance.now() - c.idleSince < STALE_MS) c.send(req, h);
      else this.revalidate(c, req, h);
    } else if (this.all.size < this.o.connections) this.open(req, h);
    else this.queue.push({ req, h });
  }

  /** A connection is free again: the next request in line takes it. */
  idle(c: Connection): void {
    const next = this.take();
    if (next !== undefined) c.send(next.req, next.h);
    else {
      c.idleSince = performance.now();
      this.free.push(c);
    }
  }

  /**
   * A connection idle for a while may have been closed by the target (its keep-alive timeout) with the
   * close not yet read: a poll of the event loop lets a pending FIN or RST be seen first (undici waits
   * the same way before every reuse), so that the request goes on another connection instead of
   * failing as a reset the target never did to it. Two immediates: the first may run in the check
   * phase of this very turn, before any poll; the second runs after the next poll.
   */
  private revalidate(c: Connection, req: WireRequest, h: ExchangeHandler): void {
    setImmediate(() =>
      setImmediate(() => {
        if (c.closed) this.dispatch(req, h);
        else c.send(req, h);
      }),
    );
  }

  /** A connection closed: a request in line opens another in its place. */
  gone(c: Connection): void {
    this.all.delete(c);
    const i = this.free.indexOf(c);
    if (i >= 0) this.free.splice(i, 1);
    if (this.destroyed) return;
    const next = this.take();
    if (next !== undefined) this.open(next.req, next.h);
  }

  /** Closes every connection: requests in flight or in line end with an error. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (let q = this.take(); q !== undefined; q = this.take()) {
      q.h.onError(failure("client closed", "TW_HTTP_DESTROYED"));
    }
    for (const c of [...this.all]) c.close(failure("client closed", "TW_HTTP_DESTROYED"));
  }

  private take(): { req: WireRequest; h: ExchangeHandler } | undefined {
    if (this.queueHead === this.queue.length) return undefined;
    const next = this.queue[this.queueHead++]!;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    } else if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return next;
  }

  /** Opens a connection for a request; a failed connect ends that request with the connect's error. */
  private open(req: WireRequest, h: ExchangeHandler): void {
    const c = new Connection(this);
    c.handler = h; // so that a close while it connects (destroy) ends the request
    this.all.add(c);
    const u = this.o.origin;
    this.connect(
      { hostname: u.hostname, host: u.host, protocol: u.protocol, port: u.port || "80" },
      (err, socket) => {
        if (c.closed) {
          socket?.destroy();
          return;
        }
        if (err !== null || socket === null) {
          c.close(err ?? failure("no socket", "TW_HTTP_CLOSED"));
          return;
        }
        c.attach(socket as Socket);
        c.send(req, h);
      },
    );
  }
}
