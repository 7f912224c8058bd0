import { z } from "zod";
import { defineTool } from "../define.js";
import { safeGet, trustedKeys } from "./get.js";
import { HttpGetOptionsSchema, type HttpGetOptions } from "./options.js";
import { systemLookup } from "./resolve.js";

export { HttpGetOptionsSchema, type HttpGetConfig, type HttpGetOptions } from "./options.js";
export type { HttpGetResult } from "./get.js";
export type { HostLookup } from "./resolve.js";
export { HttpGetRefusal } from "./refusal.js";

/**
 * `http_get`: fetch a public http(s) URL as text. Private, loopback, link-local and other
 * non-public destinations are refused before any connection, on every redirect hop, against the
 * addresses actually connected to; the body is capped and the whole call has a deadline.
 */
export function createHttpGetTool(options: HttpGetOptions = {}) {
  const { lookup = systemLookup, trustedAddresses = [], ...rest } = options;
  const config = HttpGetOptionsSchema.parse(rest);
  const settings = { ...config, lookup, trusted: trustedKeys(trustedAddresses) };
  const hosts =
    config.allowedHosts.length === 0
      ? "Only public hosts can be fetched."
      : `Only these hosts can be fetched: ${config.allowedHosts.join(", ")}.`;

  return defineTool({
    name: "http_get",
    description:
      `Fetch a web page or API with HTTP GET and return its status, content type and text (at most ${config.maxBytes} bytes; longer bodies come back cut, with truncated: true). ` +
      `Non-text content returns only metadata. ${hosts}`,
    schema: z.object({
      url: z
        .url({ protocol: /^https?$/ })
        .max(2_048)
        .describe("Absolute http:// or https:// URL, e.g. https://example.com/page"),
      maxBytes: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(`Read at most this many bytes of the body; capped at ${config.maxBytes}`),
    }),
    // Reading public pages changes nothing, so no approval by default; but the URL leaves the system
    // ("external", hence egress): a secret in it is refused and personal data needs approval (see
    // tools/egress.ts). Viewers are read-only callers and get no outbound channel at all.
    // The engine's timeout is a backstop: our own deadline fires first with a message naming the URL.
    policy: { risk: "external", roles: ["member", "admin"], needsApproval: false, timeoutMs: config.timeoutMs + 1_000 },
    handler: async ({ url, maxBytes }, ctx) =>
      safeGet(url, Math.min(maxBytes ?? config.maxBytes, config.maxBytes), settings, ctx.signal),
  });
}
