import { createHmac } from "node:crypto";

/**
 * Signs an HS256 token, synchronously: for tests minting tokens, including
 * ones with malformed claims a signing library would refuse to write. The server verifies with
 * `createJwtVerifier` (jose), never with this.
 */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const b64url = (data: string): string => Buffer.from(data).toString("base64url");
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}
