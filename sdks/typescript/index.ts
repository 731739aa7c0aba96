// Aptura's TypeScript client: openapi-fetch typed by schema.d.ts (openapi-typescript, `make sdks`).
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** A client for the Aptura API at `baseUrl` that sends `apiKey` on every call. */
export function createApturaClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
}
