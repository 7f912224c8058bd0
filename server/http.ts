import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { formatIssues } from "../runtime/errors.js";
import type { Logger } from "../runtime/logger.js";
import type { Authenticator, Principal } from "./auth.js";
import { ApiError } from "./errors.js";

export type Env = { Variables: { principal: Principal; requestId: string } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

/** The JSON body of a request: 415 when it is not JSON, 400 when it does not parse. Empty means {}. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

/** Validates a parsed body or query: 422 naming every bad field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(422, "invalid_request", formatIssues(parsed.error.issues));
  return parsed.data;
}

export function errorBody(err: ApiError): { error: string; detail: string } {
  return { error: err.code, detail: err.message };
}

/** Every request gets an id (the caller's x-request-id, or a new one), echoed back and logged. */
export function requestLog(logger: Logger): MiddlewareHandler<Env> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    await next();
    const principal = c.get("principal") as Principal | undefined;
    logger.info(
      {
        event: "http_request",
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(performance.now() - started),
        ...(principal ? { user_id: principal.userId } : {}),
      },
      "request",
    );
  };
}

/** 401 without valid credentials; the reason is logged, the answer does not say which check failed. */
export function requireAuth(auth: Authenticator, logger: Logger): MiddlewareHandler<Env> {
  return async (c, next) => {
    const result = auth.authenticate(c.req.raw.headers);
    if (!result.ok) {
      logger.warn({ event: "auth_refused", request_id: c.get("requestId"), reason: result.reason }, "auth");
      return c.json(
        errorBody(new ApiError(401, "unauthorized", "Send a valid API key (x-api-key) or bearer token.")),
        401,
        { "www-authenticate": "Bearer" },
      );
    }
    c.set("principal", result.principal);
    await next();
  };
}
