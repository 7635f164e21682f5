import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTls, within } from "../../src/kafka/index.js";
import { tempDir } from "../helpers/cli.js";

const tmp = tempDir("tw-kafka-options-");
afterAll(() => tmp.remove());

describe("within", () => {
  it("gives the work's value when it settles first, and its rejection as it is", async () => {
    await expect(within(Promise.resolve(7), 10_000, () => new Error("late"))).resolves.toBe(7);
    await expect(within(Promise.reject(new Error("own")), 10_000, () => new Error("late"))).rejects.toThrow(
      "own",
    );
  });

  it("rejects with the given error when the work never settles", async () => {
    await expect(within(new Promise(() => {}), 20, () => new Error("no answer"))).rejects.toThrow(
      "no answer",
    );
  });
});

describe("readTls", () => {
  it("is absent for false or nothing, system CAs for true", () => {
    expect(readTls(undefined)).toBeUndefined();
    expect(readTls(false)).toBeUndefined();
    expect(readTls(true)).toEqual({ rejectUnauthorized: true });
  });

  it("takes a PEM value as it is and reads anything else as a file", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const file = join(tmp.dir, "cert.pem");
    writeFileSync(file, "from the file");
    const tls = readTls({ ca: pem, cert: file, reject_unauthorized: false });
    expect(tls?.ca?.toString()).toBe(pem);
    expect(tls?.cert?.toString()).toBe("from the file");
    expect(tls?.key).toBeUndefined();
    expect(tls?.rejectUnauthorized).toBe(false);
  });
});
