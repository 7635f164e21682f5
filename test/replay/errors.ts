import { expect } from "vitest";
import { type ErrorCode, isTwError, type TwError } from "../../src/errors.js";

/** Awaits `p`, expects it to reject with a TwError of `code` whose message matches `message`; returns it. */
export async function expectTwError(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<TwError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(isTwError(caught), `expected a TwError, got ${String(caught)}`).toBe(true);
  const err = caught as TwError;
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
  return err;
}
