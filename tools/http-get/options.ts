import { z } from "zod";
import { HostPatternSchema } from "./host-policy.js";
import type { HostLookup } from "./resolve.js";

/**
 * Settings a deployment may put in config. The address checks (no private, loopback, link-local
 * … destinations) always apply; the allow-list narrows further when it is not empty.
 */
export const HttpGetOptionsSchema = z.object({
  /**
   * Hosts the tool may fetch: exact names or "*.example.com" (subdomains only; list example.com
   * too for the apex). Empty means any public host, which suits a template; list hosts to pin an
   * agent to known sites.
   */
  allowedHosts: z.array(HostPatternSchema).default([]),
  /** Most body bytes (after decompression) read per call; a call may ask for fewer. */
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(512 * 1024),
  /** Whole-call deadline: DNS, every redirect hop and the body. */
  timeoutMs: z.number().int().positive().max(120_000).default(8_000),
  maxRedirects: z.number().int().min(0).max(10).default(3),
  userAgent: z.string().min(1).max(200).default("Keel-http_get/0.1"),
});

export type HttpGetConfig = z.output<typeof HttpGetOptionsSchema>;

export type HttpGetOptions = z.input<typeof HttpGetOptionsSchema> & {
  /** Resolves host names; defaults to the system resolver (dns.lookup with all: true). */
  lookup?: HostLookup;
  /**
   * Addresses to treat as public although they are not, e.g. 127.0.0.2 so a local test server can
   * stand in for a public site. Meant for tests; never list addresses real users could reach.
   */
  trustedAddresses?: readonly string[];
};
