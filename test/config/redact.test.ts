import { describe, expect, it } from "vitest";
import { loadConfig, redactUrl } from "../../src/config/index.js";

describe("redactUrl", () => {
  it.each([
    ["http://u:p@h:8080/x?y=1", "http://[redacted]@h:8080/x?y=1"],
    ["https://h/api?token=abc&page=2", "https://h/api?token=[redacted]&page=2"],
    [
      "https://h/?api_key=1&apiKey=2&X-Amz-Signature=3&client_secret=4&sig=5",
      "https://h/?api_key=[redacted]&apiKey=[redacted]&X-Amz-Signature=[redacted]&client_secret=[redacted]&sig=[redacted]",
    ],
    ["https://h/?password=p&keyword=shoes&monkey=1", "https://h/?password=[redacted]&keyword=shoes&monkey=1"],
    ["https://h/plain?q=1", "https://h/plain?q=1"],
    ["not a url", "not a url"],
  ])("%s -> %s", (input, out) => {
    expect(redactUrl(input)).toBe(out);
  });
});

describe("target.url with credentials", () => {
  it("become a basic-auth header and leave the url", async () => {
    const c = await loadConfig({
      env: {},
      flags: { set: ["target.url=http://me:p%40ss@127.0.0.1:1/base", "target.allow_hosts=[127.0.0.1]"] },
    });
    expect(c.target!.url).toBe("http://127.0.0.1:1/base");
    expect(c.target!.headers).toEqual({
      Authorization: `Basic ${Buffer.from("me:p@ss").toString("base64")}`,
    });
  });
});
