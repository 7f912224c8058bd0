import { isIPv6 } from "node:net";
import { z } from "zod";
import { HttpGetRefusal } from "./refusal.js";

/**
 * An allow-list entry: an exact host ("docs.example.com", "93.184.216.34", "[2001:db8::1]") or a
 * suffix pattern ("*.example.com", which matches every subdomain but not example.com itself).
 * Entries are normalised the way URLs are (lower case, punycode, no trailing dot) so they compare
 * equal to URL.hostname.
 */
export const HostPatternSchema = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const pattern = normalizeHostPattern(value);
    if (pattern === undefined) {
      ctx.addIssue({ code: "custom", message: `"${value}" is not a host name or a "*.domain" pattern` });
      return z.NEVER;
    }
    return pattern;
  });

export function normalizeHostPattern(raw: string): string | undefined {
  const wildcard = raw.startsWith("*.");
  const host = normalizeHost(wildcard ? raw.slice(2) : raw);
  if (host === undefined || (wildcard && (host.startsWith("[") || /^[\d.]+$/.test(host)))) return undefined;
  return wildcard ? `*.${host}` : host;
}

function normalizeHost(raw: string): string | undefined {
  // Paths, ports, credentials and wildcards inside a name would be silently dropped or misread.
  if (raw === "" || /[\s/?#@\\*]/.test(raw)) return undefined;
  const bare = isIPv6(raw) ? `[${raw}]` : raw;
  try {
    const url = new URL(`http://${bare}/`);
    if (url.port !== "" || url.host !== url.hostname) return undefined;
    return withoutTrailingDot(url.hostname) || undefined;
  } catch {
    return undefined;
  }
}

export function withoutTrailingDot(hostname: string): string {
  return hostname.replace(/\.+$/, "");
}

/** Empty list: every host passes (the address checks still apply). */
export function hostAllowed(hostname: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  const host = withoutTrailingDot(hostname.toLowerCase());
  return patterns.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern));
}

/**
 * Checks that need only the URL: scheme, credentials, local names, allow-list. Throws
 * HttpGetRefusal; the address checks after DNS come separately.
 */
export function checkUrl(url: URL, allowedHosts: readonly string[]): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpGetRefusal(`only http and https URLs can be fetched, not ${url.protocol.slice(0, -1)}.`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new HttpGetRefusal("URLs with a user name or password are not fetched; remove the credentials.");
  }
  const host = withoutTrailingDot(url.hostname);
  if (host === "localhost" || host.endsWith(".localhost")) {
    throw new HttpGetRefusal(`${url.hostname} is the local machine.`);
  }
  if (!hostAllowed(host, allowedHosts)) {
    throw new HttpGetRefusal(`${url.hostname} is not on the allowed host list (${allowedHosts.join(", ")}).`);
  }
}
