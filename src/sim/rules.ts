import type { HttpMethod, ParamSpec } from "../workflow/types.js";

// The defaults of the seed guide, applied where a workflow says nothing about an endpoint.

/** POST for login/add/remove/payment/checkout, PUT for update/settings, GET otherwise. */
export function defaultMethod(template: string): HttpMethod {
  const t = template.toLowerCase();
  if (/login|add|remove|payment|checkout/.test(t)) return "POST";
  if (/update|settings/.test(t)) return "PUT";
  return "GET";
}

/** Mean response time (ms) by kind of endpoint: payments slow, logout fast. */
export function defaultResponseMs(template: string): number {
  const t = template.toLowerCase();
  if (t.includes("payment")) return 800;
  if (t.includes("checkout")) return 450;
  if (t.includes("search")) return 250;
  if (t.includes("login")) return 180;
  if (t.includes("logout")) return 30;
  return 120;
}

export const DEFAULT_ERROR_RATE = 0.05;
export const DEFAULT_ERROR_STATUSES: readonly number[] = [400, 500];
export const DEFAULT_JITTER = 0.25;
export const DEFAULT_PATH_PARAM: ParamSpec = { min: 1, max: 10000 };

const SEARCH_TERMS = [
  "shoes",
  "laptop",
  "headphones",
  "coffee",
  "jacket",
  "phone case",
  "desk lamp",
  "backpack",
];
const SORTS = ["relevance", "price_asc", "price_desc", "newest", "rating"];
const CATEGORIES = ["electronics", "clothing", "home", "books", "sports", "toys", "beauty", "garden"];

/** Request parameters where they make sense: search gets `q` and `sort`, a browse listing `category` and `page`. */
export function defaultParams(template: string): Record<string, ParamSpec> {
  const t = template.toLowerCase();
  if (t.includes("search")) return { q: SEARCH_TERMS, sort: SORTS };
  const last = t.split("/").filter(Boolean).pop() ?? "";
  if (last === "products" || last.includes("browse") || last.includes("categor")) {
    return { category: CATEGORIES, page: { min: 1, max: 10 } };
  }
  return {};
}
