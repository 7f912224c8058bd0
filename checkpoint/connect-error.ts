/**
 * Turns the many ways a PostgreSQL connection fails (socket errors, DNS, server error codes, our own
 * timeout) into one short reason an operator can act on.
 */
export function explainConnectError(err: unknown, timeoutMs: number): string {
  const code = errorCode(err);
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (nothing is listening there)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "the host name could not be resolved";
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to the server (${code})`;
    case "ECONNRESET":
    case "EPIPE":
      return "the server closed the connection";
    case "28P01":
    case "28000":
      return "authentication failed (wrong user name or password, or not allowed by pg_hba.conf)";
    case "3D000":
      return "the database does not exist";
    case "57P03":
      return "the server is still starting up or shutting down";
    case "53300":
      return "the server has no free connection slots";
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/timeout/i.test(message)) return `no answer within ${timeoutMs} ms`;
  if (/terminated unexpectedly/i.test(message)) return "the server closed the connection";
  if (/SSL/i.test(message)) return `TLS negotiation failed (${message})`;
  return message;
}

const CONNECTION_LOST = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P01",
  "57P03",
  // too_many_connections: the server or the role is at its connection limit; a retry may find a slot.
  "53300",
  "08000",
  "08001",
  "08003",
  "08006",
]);

/**
 * True when PostgreSQL could not be reached, refused a connection for lack of slots, or dropped
 * one (not a bad query): retryable, and the API answers 503 with retry-after.
 */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  if (code !== undefined && CONNECTION_LOST.has(code)) return true;
  const message = err instanceof Error ? err.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/** Node puts the code on the error, or — when it tried IPv4 and IPv6 — on each error inside an AggregateError. */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  if ("code" in err && typeof err.code === "string") return err.code;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const code = errorCode(inner);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}
