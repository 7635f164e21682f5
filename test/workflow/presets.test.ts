import { describe, expect, it } from "vitest";
import {
  END,
  endpointsOf,
  getPreset,
  PRESETS,
  presetNames,
  validateWorkflow,
} from "../../src/workflow/index.js";

// The engine's method rule, restated so that the presets' endpoint names are checked against it.
function methodOf(endpoint: string): string {
  if (/login|add|remove|payment|checkout/.test(endpoint)) return "POST";
  if (/update|settings/.test(endpoint)) return "PUT";
  return "GET";
}

describe("presets", () => {
  it("are ecommerce, simple and microservices, each valid and named after its key", () => {
    expect(presetNames()).toEqual(["ecommerce", "simple", "microservices"]);
    for (const name of presetNames()) {
      expect(validateWorkflow(PRESETS[name])).toEqual([]);
      expect(PRESETS[name]!.name).toBe(name);
      expect(PRESETS[name]!.description).toBeTruthy();
    }
  });

  it("are frozen; getPreset returns a copy and undefined for unknown names", () => {
    expect(Object.isFrozen(PRESETS.ecommerce!.transitions)).toBe(true);
    const copy = getPreset("simple")!;
    copy.name = "changed";
    expect(PRESETS.simple!.name).toBe("simple");
    expect(getPreset("nope")).toBeUndefined();
    expect(getPreset("toString")).toBeUndefined();
  });

  it("ecommerce has the specified entry points, paths and exits", () => {
    const w = PRESETS.ecommerce!;
    expect(w.entry_points).toEqual({ "/api/login": 0.6, "/api/products": 0.3, "/api/search": 0.1 });
    const purchase = [
      "/api/login",
      "/api/profile",
      "/api/products",
      "/api/products/{id}",
      "/api/cart/add",
      "/api/cart",
      "/api/checkout",
      "/api/payment",
      "/api/orders/{id}/confirmation",
    ];
    purchase.slice(0, -1).forEach((from, i) => {
      expect(w.transitions[from]![purchase[i + 1]!], `${from} -> ${purchase[i + 1]}`).toBeGreaterThan(0);
    });
    expect(w.transitions["/api/products/{id}"]!["/api/products"]).toBeGreaterThan(0);
    expect(w.transitions["/api/profile"]!["/api/orders"]).toBeGreaterThan(0);
    expect(w.transitions["/api/orders"]!["/api/orders/{id}"]).toBeGreaterThan(0);
    expect(w.transitions["/api/cart"]!["/api/checkout"]).toBe(0.5);
    expect(Object.values(w.transitions).filter((row) => END in row).length).toBeGreaterThan(3);
    expect(w.exit_points).toEqual(["/api/orders/{id}/confirmation", "/api/logout"]);
    expect(w.user_type_distribution).toEqual({ new: 0.3, returning: 0.5, premium: 0.2 });
  });

  it("ecommerce response times and params follow the issue", () => {
    const w = PRESETS.ecommerce!;
    const times = w.avg_response_times!;
    expect(Object.keys(times).sort()).toEqual(endpointsOf(w).sort());
    expect(times["/api/payment"]).toBe(800);
    expect(times["/api/logout"]).toBe(30);
    expect(times["/api/search"]).toBe(250);
    const params = (e: string) => Object.keys(w.endpoints?.[e]?.params ?? {});
    expect(params("/api/search")).toEqual(["q", "sort"]);
    expect(params("/api/products")).toEqual(["category", "page"]);
    expect(w.endpoints?.["/api/products"]?.params?.page).toEqual({ min: 1, max: 10 });
    // Every {name} in a template has a param of that name.
    for (const e of endpointsOf(w)) {
      for (const [, name] of e.matchAll(/\{(\w+)\}/g)) expect(params(e), e).toContain(name);
    }
  });

  it("ecommerce endpoint names give the intended methods under the engine's rule", () => {
    expect(methodOf("/api/login")).toBe("POST");
    expect(methodOf("/api/cart/add")).toBe("POST");
    expect(methodOf("/api/payment")).toBe("POST");
    expect(methodOf("/api/profile/update")).toBe("PUT");
    expect(methodOf("/api/logout")).toBe("GET");
    expect(methodOf("/api/products/{id}")).toBe("GET");
    expect(endpointsOf(PRESETS.ecommerce!)).toContain("/api/profile/update");
  });

  it("simple is small and uses $end; microservices fans out from /gateway and back", () => {
    const simple = PRESETS.simple!;
    expect(endpointsOf(simple).length).toBeLessThanOrEqual(4);
    expect(Object.values(simple.transitions).some((row) => END in row)).toBe(true);
    const ms = PRESETS.microservices!;
    const services = ["/users/{id}", "/orders", "/inventory/{sku}", "/payments", "/notifications"];
    for (const s of services) {
      expect(ms.transitions["/gateway"]![s], s).toBeGreaterThan(0);
      expect(ms.transitions[s]!["/gateway"], s).toBeGreaterThan(0);
    }
    expect(ms.exit_points.length).toBeGreaterThan(0);
  });
});
