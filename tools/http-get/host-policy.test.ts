import { describe, expect, it } from "vitest";
import { checkUrl, hostAllowed, normalizeHostPattern } from "./host-policy.js";
import { HttpGetOptionsSchema } from "./options.js";

describe("normalizeHostPattern", () => {
  it.each([
    ["docs.example.com", "docs.example.com"],
    ["Docs.Example.COM.", "docs.example.com"],
    ["*.example.com", "*.example.com"],
    ["*.Bücher.example", "*.xn--bcher-kva.example"],
    ["93.184.216.34", "93.184.216.34"],
    ["::1", "[::1]"],
    ["[2001:db8::1]", "[2001:db8::1]"],
  ])("%s -> %s", (raw, expected) => {
    expect(normalizeHostPattern(raw)).toBe(expected);
  });

  it.each([
    "",
    "http://example.com",
    "example.com/path",
    "example.com:443",
    "user@example.com",
    "a b.com",
    "*",
    "*.",
    "a.*.com",
    "*.10.0.0.1",
    "ex ample",
  ])("rejects %j", (raw) => {
    expect(normalizeHostPattern(raw)).toBeUndefined();
  });
});

describe("hostAllowed", () => {
  const list = ["docs.example.com", "*.api.example.org"];

  it("allows every host when the list is empty", () => {
    expect(hostAllowed("anything.example.net", [])).toBe(true);
  });

  it.each([
    ["docs.example.com", true],
    ["DOCS.example.com.", true],
    ["evil-docs.example.com", false],
    ["docs.example.com.evil.net", false],
    ["example.com", false],
    ["v1.api.example.org", true],
    ["a.b.api.example.org", true],
    ["api.example.org", false], // "*." matches subdomains only
    ["xapi.example.org", false],
  ])("%s -> %s", (host, expected) => {
    expect(hostAllowed(host, list)).toBe(expected);
  });
});

describe("checkUrl", () => {
  const refusal = (url: string, allowed: string[] = []): string => {
    try {
      checkUrl(new URL(url), allowed);
    } catch (err) {
      return (err as Error).message;
    }
    return "(allowed)";
  };

  it("refuses other schemes, credentials and local names", () => {
    expect(refusal("file:///etc/passwd")).toBe("Refused: only http and https URLs can be fetched, not file.");
    expect(refusal("ftp://example.com/x")).toMatch(/^Refused: .*not ftp/);
    expect(refusal("gopher://example.com/")).toMatch(/^Refused: /);
    expect(refusal("http://user:pw@example.com/")).toMatch(/^Refused: .*password/);
    expect(refusal("http://user@example.com/")).toMatch(/^Refused: /);
    expect(refusal("http://localhost/")).toMatch(/^Refused: localhost is the local machine/);
    expect(refusal("http://LOCALHOST./")).toMatch(/^Refused: /);
    expect(refusal("http://app.localhost:3000/")).toMatch(/^Refused: /);
  });

  it("applies the allow-list to the host", () => {
    expect(refusal("https://docs.example.com/a", ["docs.example.com"])).toBe("(allowed)");
    expect(refusal("https://other.example.com/a", ["docs.example.com"])).toBe(
      "Refused: other.example.com is not on the allowed host list (docs.example.com).",
    );
    expect(refusal("https://other.example.com/a")).toBe("(allowed)");
  });
});

describe("HttpGetOptionsSchema", () => {
  it("has safe defaults", () => {
    expect(HttpGetOptionsSchema.parse({})).toEqual({
      allowedHosts: [],
      maxBytes: 512 * 1024,
      timeoutMs: 8_000,
      maxRedirects: 3,
      userAgent: "Keel-http_get/0.1",
    });
  });

  it("normalises allow-list entries and rejects malformed ones", () => {
    expect(HttpGetOptionsSchema.parse({ allowedHosts: [" Docs.Example.com "] }).allowedHosts).toEqual([
      "docs.example.com",
    ]);
    const bad = HttpGetOptionsSchema.safeParse({ allowedHosts: ["https://docs.example.com/"] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain("is not a host name");
  });

  it("rejects nonsensical limits", () => {
    expect(HttpGetOptionsSchema.safeParse({ maxBytes: 0 }).success).toBe(false);
    expect(HttpGetOptionsSchema.safeParse({ timeoutMs: -1 }).success).toBe(false);
    expect(HttpGetOptionsSchema.safeParse({ maxRedirects: 1.5 }).success).toBe(false);
  });
});
