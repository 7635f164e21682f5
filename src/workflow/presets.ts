import type { Workflow } from "./types.js";

// Endpoint names follow the engine's method rule: POST when the path contains login, add, remove,
// payment or checkout; PUT for update or settings; GET otherwise. An override in `endpoints` says
// where a name alone would give the wrong method.

const ecommerce: Workflow = {
  name: "ecommerce",
  description: "Online shop: login, browse and search, cart, checkout and payment, orders, profile",
  entry_points: { "/api/login": 0.6, "/api/products": 0.3, "/api/search": 0.1 },
  transitions: {
    "/api/login": { "/api/profile": 0.5, "/api/products": 0.35, "/api/search": 0.1, $end: 0.05 },
    "/api/profile": {
      "/api/products": 0.4,
      "/api/orders": 0.25,
      "/api/profile/update": 0.15,
      "/api/logout": 0.15,
      $end: 0.05,
    },
    "/api/profile/update": { "/api/profile": 0.7, "/api/products": 0.2, "/api/logout": 0.1 },
    "/api/search": { "/api/products/{id}": 0.6, "/api/search": 0.15, "/api/products": 0.15, $end: 0.1 },
    "/api/products": {
      "/api/products/{id}": 0.65,
      "/api/products": 0.1,
      "/api/search": 0.1,
      "/api/cart": 0.05,
      $end: 0.1,
    },
    "/api/products/{id}": {
      "/api/cart/add": 0.35,
      "/api/products": 0.35,
      "/api/products/{id}": 0.1,
      "/api/search": 0.05,
      $end: 0.15,
    },
    "/api/cart/add": { "/api/cart": 0.6, "/api/products": 0.3, $end: 0.1 },
    "/api/cart": { "/api/checkout": 0.5, "/api/products": 0.2, "/api/cart/remove": 0.1, $end: 0.2 },
    "/api/cart/remove": { "/api/cart": 0.8, "/api/products": 0.1, $end: 0.1 },
    "/api/checkout": { "/api/payment": 0.85, "/api/cart": 0.1, $end: 0.05 },
    "/api/payment": { "/api/orders/{id}/confirmation": 0.92, "/api/checkout": 0.05, $end: 0.03 },
    "/api/orders": { "/api/orders/{id}": 0.6, "/api/profile": 0.2, "/api/products": 0.1, "/api/logout": 0.1 },
    "/api/orders/{id}": {
      "/api/orders": 0.4,
      "/api/products": 0.2,
      "/api/profile": 0.1,
      "/api/logout": 0.2,
      $end: 0.1,
    },
  },
  exit_points: ["/api/orders/{id}/confirmation", "/api/logout"],
  avg_response_times: {
    "/api/login": 150,
    "/api/profile": 80,
    "/api/profile/update": 120,
    "/api/search": 250,
    "/api/products": 180,
    "/api/products/{id}": 90,
    "/api/cart/add": 110,
    "/api/cart": 70,
    "/api/cart/remove": 100,
    "/api/checkout": 200,
    "/api/payment": 800,
    "/api/orders": 130,
    "/api/orders/{id}": 90,
    "/api/orders/{id}/confirmation": 60,
    "/api/logout": 30,
  },
  user_type_distribution: { new: 0.3, returning: 0.5, premium: 0.2 },
  endpoints: {
    "/api/search": {
      params: {
        q: ["laptop", "phone", "headphones", "shoes", "coffee", "backpack"],
        sort: ["relevance", "price_asc", "price_desc", "rating"],
      },
    },
    "/api/products": {
      params: { category: ["electronics", "books", "clothing", "home", "sports"], page: { min: 1, max: 10 } },
    },
    "/api/products/{id}": { params: { id: { min: 1, max: 5000 } } },
    "/api/cart/add": { params: { product_id: { min: 1, max: 5000 }, quantity: { min: 1, max: 3 } } },
    "/api/payment": { error_rate: 0.02, error_statuses: [402, 500, 503] },
    "/api/orders/{id}": { params: { id: { min: 100000, max: 999999 } } },
    "/api/orders/{id}/confirmation": { params: { id: { min: 100000, max: 999999 } } },
  },
};

const simple: Workflow = {
  name: "simple",
  description: "Four endpoints for tests and demos: home, products, about, checkout",
  entry_points: { "/home": 1 },
  transitions: {
    "/home": { "/products": 0.6, "/about": 0.2, $end: 0.2 },
    "/products": { "/products": 0.3, "/checkout": 0.4, "/home": 0.2, $end: 0.1 },
    "/about": { "/home": 0.5, $end: 0.5 },
  },
  exit_points: ["/checkout"],
  avg_response_times: { "/home": 50, "/products": 100, "/about": 40, "/checkout": 200 },
};

const microservices: Workflow = {
  name: "microservices",
  description: "An API gateway fanning out to user, order, inventory, payment and notification services",
  entry_points: { "/auth/login": 0.3, "/gateway": 0.7 },
  transitions: {
    "/auth/login": { "/gateway": 0.95, $end: 0.05 },
    "/gateway": {
      "/users/{id}": 0.25,
      "/orders": 0.2,
      "/inventory/{sku}": 0.2,
      "/payments": 0.1,
      "/notifications": 0.1,
      "/auth/logout": 0.1,
      $end: 0.05,
    },
    "/users/{id}": { "/gateway": 0.7, "/users/{id}/settings": 0.2, $end: 0.1 },
    "/users/{id}/settings": { "/gateway": 0.9, $end: 0.1 },
    "/orders": { "/gateway": 0.6, "/inventory/{sku}": 0.3, $end: 0.1 },
    "/inventory/{sku}": { "/gateway": 0.7, "/orders": 0.2, $end: 0.1 },
    "/payments": { "/receipts/{id}": 0.4, "/notifications": 0.3, "/gateway": 0.25, $end: 0.05 },
    "/notifications": { "/gateway": 0.8, "/auth/logout": 0.15, $end: 0.05 },
  },
  exit_points: ["/receipts/{id}", "/auth/logout"],
  avg_response_times: {
    "/auth/login": 120,
    "/gateway": 15,
    "/users/{id}": 40,
    "/users/{id}/settings": 60,
    "/orders": 90,
    "/inventory/{sku}": 35,
    "/payments": 450,
    "/notifications": 25,
    "/receipts/{id}": 50,
    "/auth/logout": 20,
  },
  user_type_distribution: { web: 0.6, mobile: 0.3, partner: 0.1 },
  endpoints: {
    "/users/{id}": { params: { id: { min: 1, max: 100000 } } },
    "/users/{id}/settings": { params: { id: { min: 1, max: 100000 } } },
    "/inventory/{sku}": { params: { sku: ["SKU-1001", "SKU-1002", "SKU-2001", "SKU-3050", "SKU-4200"] } },
    "/payments": { error_rate: 0.03, error_statuses: [402, 503] },
    "/auth/logout": { method: "POST" },
    "/receipts/{id}": { params: { id: { min: 1, max: 1000000 } } },
  },
  // Who calls whom behind the gateway: a cascade in payments climbs to orders and then the gateway.
  services: {
    gateway: {
      endpoints: ["/gateway"],
      depends_on: ["auth", "users", "orders", "inventory", "payments", "notifications"],
    },
    auth: { endpoints: ["/auth/login", "/auth/logout"], depends_on: ["users", "sessions-cache"] },
    users: { endpoints: ["/users/{id}", "/users/{id}/settings"], depends_on: ["users-db"] },
    orders: { endpoints: ["/orders"], depends_on: ["inventory", "payments", "orders-db"] },
    inventory: { endpoints: ["/inventory/{sku}"], depends_on: ["orders-db"] },
    payments: { endpoints: ["/payments", "/receipts/{id}"], depends_on: ["notifications", "orders-db"] },
    notifications: { endpoints: ["/notifications"], depends_on: ["message-queue"] },
    "users-db": {},
    "orders-db": {},
    "sessions-cache": {},
    "message-queue": {},
  },
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The built-in workflows, by name; frozen, so take a copy (getPreset) to change one. */
export const PRESETS: Readonly<Record<string, Workflow>> = deepFreeze({ ecommerce, simple, microservices });

/** Names of the built-in workflows, in a stable order. */
export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A fresh, mutable copy of a built-in workflow, or undefined for an unknown name. */
export function getPreset(name: string): Workflow | undefined {
  return Object.hasOwn(PRESETS, name) ? structuredClone(PRESETS[name]) : undefined;
}
