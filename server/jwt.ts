import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

/** Why a token was refused; the server answers 401 for all of them and logs the reason. */
export type JwtFailure =
  | "malformed"
  | "algorithm"
  | "signature"
  | "expired"
  | "not_yet_valid"
  | "issuer"
  | "audience"
  | "claims"
  | "jwks_unavailable";

export interface JwtCheck {
  /** HS256 shared secret (AUTH_JWT_SECRET). */
  secret?: string | undefined;
  /** RS256/ES256 public keys of an identity provider (AUTH_JWKS_URL). */
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export type JwtResult = { ok: true; claims: JWTPayload } | { ok: false; reason: JwtFailure };

export type JwtVerifier = (token: string, options?: { now?: Date }) => Promise<JwtResult>;

/** The only algorithms accepted, per key source: never whatever the token's header names. */
export const HMAC_ALGORITHMS = ["HS256"] as const;
export const JWKS_ALGORITHMS = ["RS256", "ES256"] as const;
/** Clock skew tolerated on exp/nbf between this server and the token's issuer. */
export const CLOCK_TOLERANCE_SECONDS = 10;

/**
 * Verifies bearer JWTs with `jose`: HS256 with the shared secret, RS256/ES256 with keys from the
 * JWKS URL (fetched on first use, cached, refetched for an unknown `kid`). The token's `alg` picks
 * between the two, and each source accepts only its own algorithms, so `none` and key confusion
 * (an HS256 token "signed" with a public key) cannot apply. Claim types are strict: exp/nbf/iat
 * must be finite numbers when present.
 */
export function createJwtVerifier(check: JwtCheck): JwtVerifier {
  const secret = check.secret === undefined ? undefined : new TextEncoder().encode(check.secret);
  const jwks =
    check.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(check.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  const algorithms = [...(secret ? HMAC_ALGORITHMS : []), ...(jwks ? JWKS_ALGORITHMS : [])];
  const keyFor: JWTVerifyGetKey = async (header, token) => {
    const alg = header.alg ?? "";
    if (secret && (HMAC_ALGORITHMS as readonly string[]).includes(alg)) return secret;
    if (jwks && (JWKS_ALGORITHMS as readonly string[]).includes(alg)) return jwks(header, token);
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  };
  return async (token, options = {}) => {
    try {
      const { payload } = await jwtVerify(token, keyFor, {
        algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        ...(check.issuer !== undefined ? { issuer: check.issuer } : {}),
        ...(check.audience !== undefined ? { audience: check.audience } : {}),
        ...(options.now ? { currentDate: options.now } : {}),
      });
      // jose checks these are numbers; 1e400 parses to Infinity, a token that would never expire.
      for (const claim of ["exp", "nbf", "iat"] as const) {
        if (payload[claim] !== undefined && !Number.isFinite(payload[claim])) return { ok: false, reason: "claims" };
      }
      return { ok: true, claims: payload };
    } catch (err) {
      return { ok: false, reason: failureOf(err) };
    }
  };
}

function failureOf(err: unknown): JwtFailure {
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "nbf" && err.reason === "check_failed") return "not_yet_valid";
    if (err.claim === "iss") return "issuer";
    if (err.claim === "aud") return "audience";
    return "claims";
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "algorithm";
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
    return "signature";
  }
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported ||
    err instanceof errors.JWKInvalid
  ) {
    return "malformed";
  }
  // The key set could not be fetched or read (timeout, refused, not 200, not a JWKS).
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err instanceof errors.JOSEError) {
    return "jwks_unavailable";
  }
  return err instanceof TypeError ? "jwks_unavailable" : "malformed";
}
