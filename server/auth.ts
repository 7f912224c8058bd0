import { createHash, timingSafeEqual } from "node:crypto";
import { ROLES, type Role } from "../tools/types.js";
import type { KeelConfig } from "../runtime/config.js";
import { KeelError } from "../runtime/errors.js";
import { verifyJwt, type JwtFailure } from "./jwt.js";

/** Who is calling: every thread belongs to a user id, and the role feeds the tool permissions. */
export interface Principal {
  userId: string;
  role: Role;
  via: "api_key" | "jwt" | "anonymous";
}

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; reason: "missing" | "unknown_key" | JwtFailure };

export interface Authenticator {
  authenticate(headers: { get(name: string): string | null | undefined }): AuthResult;
}

interface KeyEntry {
  digest: Buffer;
  userId: string;
  role: Role;
}

const digestOf = (key: string): Buffer => createHash("sha256").update(key).digest();

/** `key:user_id:role,…` → entries; a malformed entry stops start-up naming its position, never the key. */
export function parseApiKeys(raw: string): KeyEntry[] {
  const entries = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.map((entry, i) => {
    const [key, userId, role = "member", ...rest] = entry.split(":");
    if (!key || key.length < 16 || !userId || rest.length > 0 || !(ROLES as readonly string[]).includes(role)) {
      throw new KeelError(
        "config_invalid",
        `AUTH_API_KEYS entry ${i + 1} must be key:user_id:role with a key of at least 16 characters and role one of ${ROLES.join(", ")}`,
      );
    }
    return { digest: digestOf(key), userId, role: role as Role };
  });
}

/**
 * API keys (x-api-key or Authorization: Bearer) and HS256 JWTs (Authorization: Bearer). Keys are
 * compared as SHA-256 digests in constant time, so neither timing nor the stored form leaks them.
 */
export function createAuthenticator(config: KeelConfig["auth"]): Authenticator {
  const keys = parseApiKeys(config.apiKeys);
  if (keys.length === 0 && !config.jwt && !config.allowAnonymous) {
    throw new KeelError(
      "config_invalid",
      "The API server needs callers: set AUTH_API_KEYS (key:user_id:role,…) or AUTH_JWT_SECRET, or AUTH_ALLOW_ANONYMOUS=true for local use.",
    );
  }
  const byKey = (presented: string): KeyEntry | undefined => {
    const digest = digestOf(presented);
    // Check every entry so the time taken does not depend on which one matched.
    let found: KeyEntry | undefined;
    for (const entry of keys) if (timingSafeEqual(entry.digest, digest)) found ??= entry;
    return found;
  };
  return {
    authenticate(headers) {
      const apiKey = headers.get("x-api-key")?.trim();
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization")?.trim() ?? "")?.[1];
      const presented = apiKey || bearer;
      if (!presented) {
        return config.allowAnonymous
          ? { ok: true, principal: { userId: "anonymous", role: "member", via: "anonymous" } }
          : { ok: false, reason: "missing" };
      }
      const entry = byKey(presented);
      if (entry) return { ok: true, principal: { userId: entry.userId, role: entry.role, via: "api_key" } };
      if (!apiKey && config.jwt && presented.split(".").length === 3) {
        const result = verifyJwt(presented, config.jwt);
        if (!result.ok) return result;
        const { sub, role } = result.claims;
        if (typeof sub !== "string" || sub.length === 0) return { ok: false, reason: "malformed" };
        const r = role === undefined ? "member" : role;
        if (typeof r !== "string" || !(ROLES as readonly string[]).includes(r))
          return { ok: false, reason: "malformed" };
        return { ok: true, principal: { userId: sub, role: r as Role, via: "jwt" } };
      }
      return { ok: false, reason: "unknown_key" };
    },
  };
}
