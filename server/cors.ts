import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * Request headers a browser client may send: the SDK's (content-type, x-api-key, Last-Event-ID on
 * stream reconnects), bearer tokens, request ids, and the x-auth-scheme LangSmith Studio adds.
 */
export const CORS_ALLOW_HEADERS = [
  "content-type",
  "authorization",
  "x-api-key",
  "x-request-id",
  "last-event-id",
  "x-auth-scheme",
];

/** Response headers a browser client may read: run ids (`content-location`, which useStream reads), paging, request ids. */
export const CORS_EXPOSE_HEADERS = ["content-location", "x-pagination-total", "x-pagination-next", "x-request-id"];

/**
 * CORS for the configured origins: exact matches, or `*` for any. Preflights are answered here,
 * before auth (a browser sends no credentials on them), with 204 whether or not the origin is
 * allowed; only an allowed one gets Access-Control-Allow-Origin. Credentials go in headers, never
 * cookies, so Access-Control-Allow-Credentials is never sent, and `*` stays a plain wildcard.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes("*");
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (any ? "*" : allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: 600,
  });
}
