import { describe, expect, it } from "vitest";
import { fromWorkerFailure, toWorkerFailure } from "../../src/daemon/worker-error.js";
import { ErrorCode, TwError } from "../../src/errors.js";

/** What postMessage does to the failure on its way to the main thread. */
const viaThread = <T>(x: T): T => structuredClone(x);

describe("worker errors", () => {
  it("cross a thread with their code, message, problems, retriable and the cause's message", () => {
    const cause = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const sent = new TwError(ErrorCode.SINK_FAILED, "writing out/x.parquet failed", {
      problems: [{ path: "out/x.parquet", message: cause.message }],
      retriable: true,
      cause,
    });
    const back = fromWorkerFailure(viaThread(toWorkerFailure(sent)));
    expect(back).toBeInstanceOf(TwError);
    const tw = back as TwError;
    expect(tw.code).toBe("TW_SINK_FAILED");
    expect(tw.exitCode).toBe(1);
    expect(tw.retriable).toBe(true);
    expect(tw.format()).toBe(
      "writing out/x.parquet failed\n  out/x.parquet: ENOSPC: no space left on device, write",
    );
    expect((tw.cause as Error).message).toBe("ENOSPC: no space left on device, write");
  });

  it("keep a bad-input code so the exit status stays 2", () => {
    const sent = new TwError(ErrorCode.OUTPUT_INVALID, "cannot open /x/y.jsonl for writing: ENOENT");
    const back = fromWorkerFailure(viaThread(toWorkerFailure(sent))) as TwError;
    expect(back.exitCode).toBe(2);
    expect(back.message).toBe(sent.message);
  });

  it("rebuild other errors as plain errors with their message and errno code", () => {
    const sys = Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
    const back = fromWorkerFailure(viaThread(toWorkerFailure(sys)));
    expect(back).not.toBeInstanceOf(TwError);
    expect(back).toMatchObject({ message: "EIO: i/o error, write", code: "EIO" });
    expect(fromWorkerFailure(viaThread(toWorkerFailure("thrown string"))).message).toBe("thrown string");
  });
});
