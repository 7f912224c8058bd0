import type { IncomingMessage } from "node:http";
import { addressKey } from "./address-policy.js";
import { isTextContentType, readCappedText } from "./body.js";
import { checkUrl } from "./host-policy.js";
import type { HttpGetConfig } from "./options.js";
import { HttpGetRefusal } from "./refusal.js";
import { openResponse, pinnedRequestOptions } from "./request.js";
import { resolveDestination, type HostLookup, type ResolvedAddress } from "./resolve.js";
import { ToolError, isTransientToolError } from "../errors.js";
import { KeelError } from "../../runtime/errors.js";

export interface HttpGetResult {
  /** The URL finally fetched, after redirects. */
  url: string;
  status: number;
  contentType: string | null;
  /** The body as text; null when the content type is not text (see note). */
  text: string | null;
  /** The body was longer than the byte cap and was cut there. */
  truncated: boolean;
  /** Body bytes read (after decompression). */
  bytes: number;
  note?: string;
}

export interface GetSettings extends HttpGetConfig {
  lookup: HostLookup;
  /** Address keys (see addressKey) treated as public. */
  trusted: ReadonlySet<string>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Connection-level failures where another checked address of the same host may still work.
const TRY_NEXT_ADDRESS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ETIMEDOUT"]);

export function trustedKeys(addresses: readonly string[]): Set<string> {
  return new Set(
    addresses.map((address) => {
      const key = addressKey(address);
      if (key === undefined)
        throw new KeelError("config_invalid", `trustedAddresses: "${address}" is not an IP address`);
      return key;
    }),
  );
}

/**
 * GET a URL under the policy: every hop is checked (URL, then every resolved address) before
 * connecting, the socket goes to a checked address, and at most `cap` body bytes are read.
 */
export async function safeGet(
  rawUrl: string,
  cap: number,
  settings: GetSettings,
  parent: AbortSignal,
): Promise<HttpGetResult> {
  return withDeadline(settings.timeoutMs, parent, rawUrl, async (signal) => {
    let url = parseUrl(rawUrl);
    let redirectedFrom: URL | undefined;
    for (let redirects = 0; ; redirects++) {
      const res = await checkedResponse(url, redirectedFrom, settings, signal);
      const location = REDIRECTS.has(res.statusCode ?? 0) ? res.headers.location : undefined;
      if (location === undefined) return await toResult(url, res, cap);
      res.destroy(); // the redirect's own body is of no use
      if (redirects >= settings.maxRedirects) {
        throw new ToolError(
          `Too many redirects: stopped after ${settings.maxRedirects}, at ${url.href} pointing to ${location}.`,
        );
      }
      redirectedFrom = url;
      url = parseUrl(location, url);
    }
  });
}

async function checkedResponse(
  url: URL,
  redirectedFrom: URL | undefined,
  settings: GetSettings,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  let addresses: ResolvedAddress[];
  try {
    checkUrl(url, settings.allowedHosts);
    addresses = await resolveDestination(url.hostname, { lookup: settings.lookup, trusted: settings.trusted, signal });
  } catch (err) {
    // Say which hop was refused: the model asked for the first URL, not for this one.
    if (err instanceof HttpGetRefusal && redirectedFrom !== undefined) {
      throw new HttpGetRefusal(`${redirectedFrom.href} redirected to ${url.href}, and ${err.reason}`);
    }
    throw err;
  }
  const headers = {
    "user-agent": settings.userAgent,
    accept: "text/html,application/xhtml+xml,application/json,text/plain;q=0.9,*/*;q=0.5",
    "accept-encoding": "gzip, deflate, br",
  };
  for (const [index, address] of addresses.entries()) {
    try {
      return await openResponse(url, pinnedRequestOptions(url, address, headers, signal));
    } catch (err) {
      if (signal.aborted) throw err;
      const code = (err as { code?: unknown }).code;
      const more = index < addresses.length - 1;
      if (more && typeof code === "string" && TRY_NEXT_ADDRESS.has(code)) continue;
      throw new ToolError(`Could not fetch ${url.href}: ${(err as Error).message}`, {
        cause: err,
        retryable: isTransientToolError(err),
      });
    }
  }
  throw new ToolError(`Could not fetch ${url.href}: no address to connect to.`);
}

async function toResult(url: URL, res: IncomingMessage, cap: number): Promise<HttpGetResult> {
  const contentType = res.headers["content-type"] ?? null;
  const status = res.statusCode ?? 0;
  if (!isTextContentType(contentType ?? undefined)) {
    res.destroy();
    const length = res.headers["content-length"];
    return {
      url: url.href,
      status,
      contentType,
      text: null,
      truncated: false,
      bytes: 0,
      note: `Body not returned: ${contentType === null ? "no content type was given" : `${contentType} is not text`}${
        length === undefined ? "" : ` (${length} bytes)`
      }.`,
    };
  }
  try {
    return { url: url.href, status, contentType, ...(await readCappedText(res, cap)) };
  } catch (err) {
    throw new ToolError(`Could not read the body of ${url.href}: ${(err as Error).message}`, { cause: err });
  }
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch (err) {
    throw new ToolError(
      base === undefined
        ? `"${text}" is not a valid absolute URL.`
        : `${base.href} redirected to an invalid location: ${JSON.stringify(text)}.`,
      { cause: err },
    );
  }
}

class Deadline extends Error {}

/** Our own deadline on top of the caller's signal, with errors that say which one fired. */
async function withDeadline<T>(
  ms: number,
  parent: AbortSignal,
  rawUrl: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) onParentAbort();
  else parent.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new Deadline()), ms);
  // Every await inside honours the signal; the race is a guarantee that none can outlive it.
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(new ToolError("aborted"));
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener("abort", fail, { once: true });
  });
  try {
    return await Promise.race([fn(controller.signal), aborted]);
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    if (controller.signal.reason instanceof Deadline) {
      throw new ToolError(`Timed out after ${ms} ms fetching ${rawUrl}; the site is slow or not answering.`, {
        cause: err,
      });
    }
    throw new ToolError(`Fetching ${rawUrl} was cancelled.`, { cause: err });
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", onParentAbort);
  }
}
