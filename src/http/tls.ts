import { buildConnector } from "undici";
import { type TargetTls, tlsConnect } from "../config/tls.js";

/**
 * undici's connector for an https target, with its TLS options and connect timeout. One thing added:
 * under TLS 1.3 a server that refuses the client (no or an unknown client certificate) says so in an
 * alert after the handshake, which the socket emits as an error; undici then ends the request with
 * its own "other side closed" error, which would read as a reset. That error gets the alert as its
 * cause, so that the call is recorded as what happened: `error: tls`.
 */
export function tlsConnector(t: TargetTls, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ ...tlsConnect(t), timeout: timeoutMs });
  return (options, callback) =>
    connect(options, (err, socket) => {
      if (err !== null || socket === null) {
        callback(err ?? new Error("no socket"), null);
        return;
      }
      let alert: Error | undefined;
      socket.prependListener("error", (e: Error & { code?: string }) => {
        if (alert === undefined && /^ERR_SSL_/.test(e.code ?? "")) alert = e;
        else if (alert !== undefined && e !== alert && e.cause === undefined) e.cause = alert;
      });
      callback(null, socket);
    });
}
