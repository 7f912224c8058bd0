import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { addressKey, classifyAddress, describeAddressKind } from "./address-policy.js";
import { HttpGetRefusal } from "./refusal.js";
import { ToolError, isTransientToolError } from "../errors.js";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to. Injectable so tests never touch real DNS. */
export type HostLookup = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface ResolveOptions {
  lookup: HostLookup;
  /** Address keys (see addressKey) treated as public; meant for tests standing in for a site. */
  trusted: ReadonlySet<string>;
  signal: AbortSignal;
}

/**
 * Resolve the URL's host and check every address it yields, so the caller can connect to one of
 * exactly these addresses. A name with one private address among public ones is refused outright:
 * which address a client picks is not ours to predict.
 */
export async function resolveDestination(hostname: string, options: ResolveOptions): Promise<ResolvedAddress[]> {
  const literal = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  const family = isIP(literal);
  if (family === 4 || family === 6) {
    assertPublic(literal, `${literal} is`, options.trusted);
    return [{ address: literal, family }];
  }

  let found: readonly { address: string; family: number }[];
  try {
    found = await abortable(options.lookup(hostname), options.signal);
  } catch (err) {
    if (options.signal.aborted) throw err;
    const code = (err as { code?: unknown }).code;
    throw new ToolError(
      `Could not resolve ${hostname}${typeof code === "string" ? ` (${code})` : ""}; check the host name.`,
      { cause: err, retryable: isTransientToolError(err) },
    );
  }
  if (found.length === 0) throw new ToolError(`Could not resolve ${hostname}: it has no addresses.`);

  const checked: ResolvedAddress[] = [];
  for (const { address } of found) {
    assertPublic(address, `${hostname} resolves to ${address}, which is`, options.trusted);
    const ipFamily = isIP(address);
    if (ipFamily === 4 || ipFamily === 6) checked.push({ address, family: ipFamily });
  }
  return checked;
}

function assertPublic(address: string, subject: string, trusted: ReadonlySet<string>): void {
  const key = addressKey(address);
  if (key !== undefined && trusted.has(key)) return;
  const kind = classifyAddress(address);
  if (kind !== "public") throw new HttpGetRefusal(`${subject} ${describeAddressKind(kind)}.`);
}

/** DNS lookups cannot be cancelled, but the caller need not wait for them. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
