// The HTTP methods alone, with no imports: readers of recordings (`fit`) and workflow types need them
// without loading the label schemas' zod, which costs a CLI command ~45 ms of start-up.

/** HTTP methods an event may carry. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
export const HTTP_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
