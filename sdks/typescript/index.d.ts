import type { paths } from "./schema.js";
export type { components, operations, paths } from "./schema.js";
/** A client for the Aptura API at `baseUrl` that sends `apiKey` on every call. */
export declare function createApturaClient(baseUrl: string, apiKey: string): import("openapi-fetch").Client<paths, `${string}/${string}`>;
