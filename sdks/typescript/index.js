// Aptura's TypeScript client: openapi-fetch typed by schema.d.ts (openapi-typescript, `make sdks`).
import createClient from "openapi-fetch";
/** A client for the Aptura API at `baseUrl` that sends `apiKey` on every call. */
export function createApturaClient(baseUrl, apiKey) {
    return createClient({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
}
