// Certificates made by openssl for the TLS tests: a CA, a server certificate for 127.0.0.1 (IP SAN)
// and localhost, a client certificate signed by the same CA, and a second, unrelated CA (the "wrong"
// one). Also the server's key and certificate as a PKCS12 keystore, for a
// Kafka broker's SSL listener (which needs no truststore: it asks no client certificate). Everything lives in `dir`; nothing leaves the machine.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Certs {
  dir: string;
  /** Paths of PEM files. */
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** PKCS12 keystore (server key + certificate), with `storePassword`. */
  keystore: string;
  storePassword: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed CA named `name`: `<name>.pem`, `<name>.key`. */
function makeCa(dir: string, name: string): void {
  openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=tracewalk test ${name}`]
      .concat(["-keyout", `${name}.key`, "-out", `${name}.pem`])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]),
    dir,
  );
}

/** A leaf `<name>.pem`/`<name>.key` signed by `ca.pem`, with the given extensions. */
function makeLeaf(dir: string, name: string, cn: string, ext: string): void {
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
    ].concat(["-sha256", "-extfile", `${name}.ext`, "-out", `${name}.pem`]),
    dir,
  );
}

/** Makes the whole set in `dir` (a few hundred milliseconds of openssl). */
export function makeCerts(dir: string): Certs {
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  makeLeaf(
    dir,
    "server",
    "127.0.0.1",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth",
  );
  makeLeaf(dir, "client", "tracewalk client", "extendedKeyUsage=clientAuth");
  const storePassword = "tracewalk-test";
  openssl(
    ["pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-name", "broker"].concat([
      "-out",
      "keystore.p12",
      "-passout",
      `pass:${storePassword}`,
    ]),
    dir,
  );
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p("ca.pem"),
    otherCa: p("other-ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server.key"),
    clientCert: p("client.pem"),
    clientKey: p("client.key"),
    keystore: p("keystore.p12"),
    storePassword,
  };
}

/** A file's text (a PEM, to pass inline or through the environment). */
export function pem(path: string): string {
  return readFileSync(path, "utf8");
}
