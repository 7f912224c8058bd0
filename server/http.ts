import { randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { formatIssues } from "../runtime/errors.js";
import type { Logger } from "../runtime/logger.js";
import type { Authenticator, Principal } from "./auth.js";
import { findBodyProblem, isStorableString } from "./body-guard.js";
import { ApiError } from "./errors.js";

export type Env = { Variables: { principal: Principal; requestId: string } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

/**
 * The JSON body of a request: 400 when it does not parse, 422 when it is nested too deep or holds a
 * `__proto__` key or a string PostgreSQL cannot store. Empty means {}. Parsed as JSON whatever the
 * content-type says, as `langgraphjs dev` does: proxies such as agent-chat-ui's /api passthrough
 * drop it. The body limit has already capped the size.
 */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  // Before any schema, serializer or query sees it: depth, `__proto__` keys, unstorable strings.
  const problem = findBodyProblem(body);
  if (problem) throw new ApiError(422, "invalid_request", `${problem.path}: ${problem.message}`);
  return body;
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
    const result = await auth.authenticate(c.req.raw.headers);
    // The user id is the owner column of every query: one PostgreSQL cannot store is refused here.
    const reason = !result.ok ? result.reason : isStorableString(result.principal.userId) ? null : "unstorable user id";
    if (!result.ok || reason) {
      logger.warn({ event: "auth_refused", request_id: c.get("requestId"), reason }, "auth");
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
