/**
 * Connection URLs appear in logs and error messages; these helpers make sure the password never does.
 */

/** The URL with its password replaced by `***`, safe to print. */
export function redactUrl(url: string): string {
  const parsed = tryParse(url);
  if (!parsed) return "<unparsable connection URL>";
  if (parsed.password !== "") parsed.password = "***";
  for (const key of [...parsed.searchParams.keys()]) {
    if (key.toLowerCase() === "password") parsed.searchParams.set(key, "***");
  }
  return parsed.toString();
}

/** `host:port/database` — what an operator needs to recognise the target. */
export function describeTarget(url: string): string {
  const parsed = tryParse(url);
  if (!parsed) return "<unparsable connection URL>";
  // `?host=/run/postgresql` selects a Unix socket directory, as libpq and node-postgres allow.
  const host = parsed.searchParams.get("host") ?? (parsed.hostname === "" ? "localhost" : parsed.hostname);
  const port = parsed.port === "" ? "5432" : parsed.port;
  // node-postgres defaults the database to the user name.
  const database =
    decodeURIComponent(parsed.pathname.replace(/^\//, "")) || decodeURIComponent(parsed.username) || "postgres";
  return `${host}:${port}/${database}`;
}

/** The same server and credentials, another database (used to create and use scratch databases). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function tryParse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
