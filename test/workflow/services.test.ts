import { describe, expect, it } from "vitest";
import { ErrorCode, TwError } from "../../src/errors.js";
import {
  endpointsOf,
  PRESETS,
  parseWorkflow,
  validateWorkflow,
  type Workflow,
  workflowToYaml,
} from "../../src/workflow/index.js";

/** /home → /api/checkout → /api/payment/{id} (exit), with a service map over them. */
function shop(): Workflow {
  return {
    name: "shop",
    entry_points: { "/home": 1 },
    transitions: {
      "/home": { "/api/checkout": 0.7, $end: 0.3 },
      "/api/checkout": { "/api/payment/{id}": 0.8, "/api/payment": 0.1, $end: 0.1 },
    },
    exit_points: ["/api/payment/{id}", "/api/payment"],
    services: {
      payment: { endpoints: ["/api/payment/{id}", "/api/payment"], depends_on: ["db"] },
      checkout: { endpoints: ["/api/checkout"], depends_on: ["payment"] },
      db: {},
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests write values of the wrong type on purpose.
type Loose = Record<string, any>;

function problemsAfter(change: (w: Loose) => void) {
  const w = structuredClone(shop()) as Loose;
  change(w);
  return validateWorkflow(w);
}

describe("workflow services", () => {
  it("accepts a service map; a workflow without one is unchanged", () => {
    expect(validateWorkflow(shop())).toEqual([]);
    const { services: _, ...plain } = shop();
    expect(validateWorkflow(plain)).toEqual([]);
    expect(workflowToYaml(plain)).not.toContain("services");
  });

  it("names an unknown dependency by its path, listing the services", () => {
    const problems = problemsAfter((w) => (w.services.checkout.depends_on = ["paymnt"]));
    expect(problems).toEqual([
      {
        path: "services.checkout.depends_on[0]",
        message: '"paymnt" is not a service: name one of payment, checkout, db, or add it under services',
      },
    ]);
  });

  it("rejects a service depending on itself and a dependency listed twice", () => {
    const problems = problemsAfter(
      (w) => (w.services.checkout.depends_on = ["checkout", "payment", "payment"]),
    );
    expect(problems).toEqual([
      { path: "services.checkout.depends_on[0]", message: '"checkout" cannot depend on itself' },
      { path: "services.checkout.depends_on[2]", message: '"payment" is listed twice' },
    ]);
  });

  it("accepts a cycle of dependencies: propagation visits each service once", () => {
    expect(problemsAfter((w) => (w.services.db.depends_on = ["checkout"]))).toEqual([]);
  });

  it("rejects an endpoint that is not the workflow's, and one in two services", () => {
    const problems = problemsAfter((w) => {
      w.services.checkout.endpoints = ["/api/checkout", "/api/chekout"];
      w.services.db.endpoints = ["/api/payment"];
    });
    expect(problems).toEqual([
      {
        path: "services.checkout.endpoints[1]",
        message:
          '"/api/chekout" is not an endpoint of this workflow: name an entry point, a transitions row or target, or an exit point',
      },
      {
        path: "services.db.endpoints[0]",
        message: '"/api/payment" is already served by "payment": an endpoint belongs to one service',
      },
    ]);
  });

  it("rejects an endpoint listed twice in one service", () => {
    const problems = problemsAfter((w) => w.services.checkout.endpoints.push("/api/checkout"));
    expect(problems).toEqual([
      { path: "services.checkout.endpoints[1]", message: '"/api/checkout" is listed twice' },
    ]);
  });

  it("rejects a service name that would not fit in a window id", () => {
    const problems = problemsAfter((w) => (w.services["pay.ment"] = {}));
    expect(problems).toEqual([
      {
        path: 'services["pay.ment"]',
        message: `service name "pay.ment" must use only letters, digits, '_' or '-'`,
      },
    ]);
  });

  it("reports wrong shapes and unknown fields with their paths", () => {
    const problems = problemsAfter((w) => {
      w.services.checkout = { endpoints: "/api/checkout", calls: ["payment"] };
      w.services.payment.depends_on = [42];
    });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "services.checkout.endpoints", message: 'expected a list, got "/api/checkout"' },
        { path: "services.checkout.calls", message: 'unknown field "calls"' },
        { path: "services.payment.depends_on[0]", message: "expected a string, got 42" },
      ]),
    );
  });

  it("locates service problems at file:line:col and fails as TW_WORKFLOW_INVALID (exit 2)", () => {
    const yaml = workflowToYaml(shop()).replace("depends_on: [ payment ]", "depends_on: [ paymnt ]");
    let err: unknown;
    try {
      parseWorkflow(yaml, "shop.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TwError);
    const tw = err as TwError;
    expect(tw.code).toBe(ErrorCode.WORKFLOW_INVALID);
    expect(tw.exitCode).toBe(2);
    const line = yaml.split("\n").findIndex((l) => l.includes("paymnt")) + 1;
    expect(tw.problems).toEqual([
      {
        path: expect.stringMatching(
          new RegExp(`^shop\\.yaml:${line}:\\d+ services\\.checkout\\.depends_on\\[0\\]$`),
        ),
        message: expect.stringMatching(/^"paymnt" is not a service: /),
      },
    ]);
  });

  it("round-trips through YAML with the lists on one line", () => {
    const yaml = workflowToYaml(shop());
    expect(yaml).toContain('    endpoints: [ "/api/payment/{id}", /api/payment ]\n    depends_on: [ db ]\n');
    expect(parseWorkflow(yaml, "shop.yaml")).toEqual(shop());
  });
});

describe("the microservices preset's service map", () => {
  const w = PRESETS.microservices!;
  const services = w.services!;

  it("validates, and puts each of its endpoints in exactly one service", () => {
    expect(validateWorkflow(w)).toEqual([]);
    const served = Object.values(services).flatMap((s) => s.endpoints ?? []);
    expect(served.sort()).toEqual(endpointsOf(w).sort());
  });

  it("has the gateway in front, services behind it, and data stores at the bottom", () => {
    const callers = (name: string) =>
      Object.entries(services)
        .filter(([, s]) => s.depends_on?.includes(name))
        .map(([n]) => n);
    expect(callers("gateway")).toEqual([]);
    for (const name of ["auth", "users", "orders", "inventory", "payments", "notifications"]) {
      expect(callers(name), name).toContain("gateway");
    }
    expect(callers("payments").sort()).toEqual(["gateway", "orders"]);
    for (const store of ["users-db", "orders-db"]) {
      expect(services[store]).toEqual({});
      expect(callers(store).length, store).toBeGreaterThan(0);
    }
  });
});
