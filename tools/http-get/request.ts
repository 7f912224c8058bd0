import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { ResolvedAddress } from "./resolve.js";

/**
 * Options that connect to an address we already checked, never to whatever DNS says now: the
 * socket goes to `address` (an IP, so no lookup happens), while the Host header and the TLS
 * server name (SNI and certificate check) stay the URL's host.
 */
export function pinnedRequestOptions(
  url: URL,
  pinned: ResolvedAddress,
  headers: Record<string, string>,
  signal: AbortSignal,
): RequestOptions & { servername?: string } {
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return {
    protocol: url.protocol,
    host: pinned.address,
    family: pinned.family,
    port: url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: "GET",
    headers: { ...headers, host: url.host },
    // TLS forbids IP literals as server names; an IP URL is verified against the certificate's IPs.
    ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
    // A fresh connection per request: a pooled socket could belong to an earlier, different address.
    agent: false,
    signal,
  };
}

/** Send the request and wait for the response head. The body is left unread. */
export function openResponse(url: URL, options: RequestOptions): Promise<IncomingMessage> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(options, resolve);
    req.on("error", reject);
    req.end();
  });
}
