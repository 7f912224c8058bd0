import { describe, expect, it } from "vitest";
import { pinnedRequestOptions } from "./request.js";

describe("pinnedRequestOptions", () => {
  const signal = new AbortController().signal;
  const headers = { "user-agent": "ua" };

  it("connects to the pinned IP while naming the URL's host in Host and TLS", () => {
    const options = pinnedRequestOptions(
      new URL("https://Docs.Example.com/a/b?q=1#frag"),
      { address: "203.0.113.7", family: 4 },
      headers,
      signal,
    );
    expect(options).toMatchObject({
      host: "203.0.113.7",
      family: 4,
      port: 443,
      path: "/a/b?q=1",
      method: "GET",
      servername: "docs.example.com",
      headers: { host: "docs.example.com", "user-agent": "ua" },
      agent: false,
    });
  });

  it("sends no TLS server name for IP URLs and keeps explicit ports in Host", () => {
    const v6 = pinnedRequestOptions(
      new URL("https://[2001:db8::1]:8443/"),
      { address: "2001:db8::1", family: 6 },
      headers,
      signal,
    );
    expect(v6).toMatchObject({ host: "2001:db8::1", port: 8443, headers: { host: "[2001:db8::1]:8443" } });
    expect(v6.servername).toBeUndefined();
    const plain = pinnedRequestOptions(
      new URL("http://example.com"),
      { address: "192.0.2.1", family: 4 },
      headers,
      signal,
    );
    expect(plain).toMatchObject({ port: 80, path: "/", headers: { host: "example.com" } });
  });
});
