import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { rejection, yamlFile } from "./helpers.js";

// A request is written as text: a header that would break its head is refused at load, by name.

const target = (headers: string) =>
  `target: { url: "http://127.0.0.1:1", allow_hosts: [127.0.0.1], headers: ${headers} }\n`;

describe("target.headers", () => {
  it("refuses a value with a line break and a name that is not an HTTP token, naming the header", async () => {
    const value = await rejection(
      loadConfig({ file: yamlFile(target('{ x-team: "a\\r\\nx-evil: 1" }')), env: {} }),
    );
    expect(value.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/target\.headers\.x-team: expected a header value without line breaks/),
    ]);
    const name = await rejection(loadConfig({ file: yamlFile(target('{ "x team": a }')), env: {} }));
    expect(name.problems.map((p) => p.path)).toEqual([expect.stringMatching(/target\.headers\.x team/)]);
  });

  it("takes ordinary headers", async () => {
    const c = await loadConfig({
      file: yamlFile(target("{ Authorization: Bearer t0k, x-team: drills }")),
      env: {},
    });
    expect(c.target?.headers).toEqual({ Authorization: "Bearer t0k", "x-team": "drills" });
  });
});
