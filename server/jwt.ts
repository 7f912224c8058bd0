import { createHmac, timingSafeEqual } from "node:crypto";

/** Why a token was refused; the server answers 401 for all of them and logs the reason. */
export type JwtFailure = "malformed" | "algorithm" | "signature" | "expired" | "not_yet_valid" | "issuer" | "audience";

export interface JwtCheck {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Seconds of clock skew tolerated on exp/nbf. */
  leewaySeconds?: number;
  nowSeconds?: number;
}

export type JwtResult = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: JwtFailure };

const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * HS256 only: the algorithm is fixed by configuration, never taken from the token, so `none` and
 * key-confusion tricks cannot apply.
 */
export function verifyJwt(token: string, check: JwtCheck): JwtResult {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { ok: false, reason: "malformed" };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  const claims = decodeJson(payloadPart);
  if (!header || !claims) return { ok: false, reason: "malformed" };
  if (header.alg !== "HS256") return { ok: false, reason: "algorithm" };
  const expected = createHmac("sha256", check.secret).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(signaturePart, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "signature" };
  const now = check.nowSeconds ?? Math.floor(Date.now() / 1000);
  const leeway = check.leewaySeconds ?? 30;
  if (typeof claims.exp === "number" && now - leeway >= claims.exp) return { ok: false, reason: "expired" };
  if (typeof claims.nbf === "number" && now + leeway < claims.nbf) return { ok: false, reason: "not_yet_valid" };
  if (check.issuer !== undefined && claims.iss !== check.issuer) return { ok: false, reason: "issuer" };
  if (check.audience !== undefined) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(check.audience)) return { ok: false, reason: "audience" };
  }
  return { ok: true, claims };
}

/** Signs an HS256 token: for tests, scripts and anyone minting tokens for this server. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}
