import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ToolError } from "../errors.js";
import type { ToolContext } from "../types.js";
import {
  createHttpGetTool,
  HttpGetRefusal,
  type HostLookup,
  type HttpGetOptions,
  type HttpGetResult,
} from "./index.js";
import { installConnectTripwire, startServer, type LocalServer } from "./test-support.js";

// 127.0.0.2 plays a public web site; 127.0.0.1 plays the internal service an attacker wants to reach.
const SITE = "127.0.0.2";
const NO_LISTENER = "127.0.0.3"; // trusted, but nothing listens there

const ADDRESSES: Record<string, { address: string; family: number }[]> = {
  "docs.example.test": [{ address: SITE, family: 4 }],
  "other.example.test": [{ address: SITE, family: 4 }],
  "internal.example.test": [{ address: "10.0.0.5", family: 4 }],
  "mixed.example.test": [
    { address: SITE, family: 4 },
    { address: "127.0.0.1", family: 4 },
  ],
  "mapped.example.test": [{ address: "::ffff:127.0.0.1", family: 6 }],
  "fallback.example.test": [
    { address: NO_LISTENER, family: 4 },
    { address: SITE, family: 4 },
  ],
};

const lookups: string[] = [];
const lookup: HostLookup = async (hostname) => {
  lookups.push(hostname);
  // DNS rebinding: public on the first answer, loopback on every later one.
  if (hostname === "rebind.example.test") {
    const first = lookups.filter((name) => name === hostname).length === 1;
    return [{ address: first ? SITE : "127.0.0.1", family: 4 }];
  }
  if (hostname === "slow-dns.example.test") return new Promise(() => {}); // never answers
  const found = ADDRESSES[hostname];
  if (found === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  return found;
};

const CAP = 100_000;
const makeTool = (options: HttpGetOptions = {}) =>
  createHttpGetTool({ lookup, trustedAddresses: [SITE, NO_LISTENER], timeoutMs: 3_000, maxBytes: CAP, ...options });

function context(signal: AbortSignal = new AbortController().signal): ToolContext {
  return {
    userId: "u1",
    role: "member",
    threadId: "t1",
    idempotencyKey: "k1",
    signal,
    db: () => Promise.reject(new Error("these tests use no database")),
  };
}

async function get(url: string, options?: HttpGetOptions, maxBytes?: number): Promise<HttpGetResult> {
  return (await makeTool(options).handler({ url, maxBytes }, context())) as HttpGetResult;
}

/** The error a call throws; fails the test if it succeeds. */
async function failure(url: string, options?: HttpGetOptions): Promise<Error> {
  try {
    const result = await get(url, options);
    throw new Error(`expected ${url} to fail, got status ${result.status}`);
  } catch (err) {
    return err as Error;
  }
}

let site: LocalServer;
let internal: LocalServer;
let tripwire: ReturnType<typeof installConnectTripwire>;

beforeAll(async () => {
  tripwire = installConnectTripwire();
  internal = await startServer("127.0.0.1", (_req, res) => res.end("internal secrets"));
  site = await startServer(SITE, (req, res) => {
    const url = new URL(req.url ?? "/", "http://site");
    switch (url.pathname) {
      case "/hello":
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end("hello from the site");
        return;
      case "/echo":
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ host: req.headers.host, agent: req.headers["user-agent"] }));
        return;
      case "/redirect": // ?to=<location>
        res.writeHead(302, { location: url.searchParams.get("to") ?? "/hello" });
        res.end();
        return;
      case "/loop":
        res.writeHead(301, { location: "/loop" });
        res.end();
        return;
      case "/endless": {
        // Streams until the client hangs up: only a client that stops reading can finish.
        res.setHeader("content-type", "text/plain");
        const chunk = Buffer.alloc(16 * 1024, "a");
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
        };
        res.on("drain", pump);
        pump();
        return;
      }
      case "/exact":
        res.setHeader("content-type", "text/plain");
        res.end("b".repeat(Number(url.searchParams.get("n"))));
        return;
      case "/accents":
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end("é".repeat(2_000));
        return;
      case "/latin1":
        res.setHeader("content-type", "text/html; charset=iso-8859-1");
        res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9])); // "café"
        return;
      case "/gzip":
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        res.end(gzipSync("z".repeat(50_000)));
        return;
      case "/bad-gzip":
        res.writeHead(200, { "content-type": "text/plain", "content-encoding": "gzip" });
        res.end("this is not gzip");
        return;
      case "/image":
        res.writeHead(200, { "content-type": "image/png", "content-length": "4" });
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        return;
      case "/hang":
        return; // never answers
      default:
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no such page");
    }
  });
});

afterAll(async () => {
  tripwire.restore();
  await site.close();
  await internal.close();
});

afterEach(() => {
  // The internal service must never be reached, by any test; reset so one failure is reported once.
  const reached = { connections: internal.connections, requests: [...internal.requests] };
  const strayHosts = tripwire.hosts.filter((host) => host !== SITE && host !== NO_LISTENER);
  internal.connections = 0;
  internal.requests.length = 0;
  tripwire.hosts.length = 0;
  expect(reached).toEqual({ connections: 0, requests: [] });
  expect(strayHosts).toEqual([]);
});

const siteUrl = (path: string, host = "docs.example.test"): string => `http://${host}:${site.port}${path}`;

describe("refusals happen before any connection", () => {
  async function expectRefused(url: string, reason: RegExp, options?: HttpGetOptions): Promise<void> {
    const connectsBefore = tripwire.hosts.length;
    const err = await failure(url, options);
    expect(err).toBeInstanceOf(HttpGetRefusal);
    // One hierarchy: a refusal is a ToolError, hence a KeelError with a code.
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe("tool_error");
    expect(err.message).toMatch(/^Refused: /);
    expect(err.message).toMatch(reason);
    expect(tripwire.hosts.length).toBe(connectsBefore);
  }

  it("refuses loopback, private and metadata addresses", async () => {
    await expectRefused(`http://127.0.0.1:${internal.port}/`, /127\.0\.0\.1 is a loopback address/);
    await expectRefused("http://10.0.0.1/", /10\.0\.0\.1 is a private address/);
    await expectRefused("http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is a link-local address/);
    await expectRefused("http://192.168.1.1/", /private/);
    await expectRefused("http://100.64.0.1/", /carrier-grade NAT/);
    await expectRefused("http://198.18.0.1/", /benchmarking/);
    await expectRefused(`http://0.0.0.0:${internal.port}/`, /unspecified/);
    await expectRefused(`http://[::1]:${internal.port}/`, /::1 is a loopback address/);
    await expectRefused(`http://[::ffff:127.0.0.1]:${internal.port}/`, /loopback/);
    await expectRefused("http://[fd00:ec2::254]/", /unique-local/);
    await expectRefused("http://[fe80::1]/", /link-local/);
  });

  it.each(["2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "0x7f000001", "017700000001", "127.0.0.1.", "0"])(
    "refuses the numeric host %s",
    async (host) => {
      await expectRefused(`http://${host}:${internal.port}/`, /is (a loopback|an unspecified)/);
    },
  );

  it("refuses localhost names without looking them up", async () => {
    lookups.length = 0;
    await expectRefused(`http://localhost:${internal.port}/`, /localhost is the local machine/);
    await expectRefused(`http://LOCALHOST.:${internal.port}/`, /local machine/);
    await expectRefused(`http://admin.localhost:${internal.port}/`, /local machine/);
    expect(lookups).toEqual([]);
  });

  it("refuses other schemes and credentials, in the schema and in the handler", async () => {
    const tool = makeTool();
    for (const url of ["file:///etc/passwd", "ftp://docs.example.test/x", "javascript:alert(1)"]) {
      expect(tool.schema.safeParse({ url }).success).toBe(false);
    }
    await expectRefused("file:///etc/passwd", /not file\.$/);
    await expectRefused("ftp://docs.example.test/file", /not ftp\.$/);
    await expectRefused(`http://me:secret@docs.example.test:${site.port}/hello`, /password/);
  });

  it("refuses a host off the allow-list, before resolving it", async () => {
    lookups.length = 0;
    await expectRefused(
      siteUrl("/hello", "other.example.test"),
      /other\.example\.test is not on the allowed host list/,
      {
        allowedHosts: ["docs.example.test"],
      },
    );
    expect(lookups).toEqual([]);
    expect(site.requests).not.toContain("/hello?other");
  });

  it("refuses a name that resolves to a private address", async () => {
    await expectRefused(
      "http://internal.example.test/",
      /^Refused: internal\.example\.test resolves to 10\.0\.0\.5, which is a private address\.$/,
    );
    await expectRefused(`http://mapped.example.test:${internal.port}/`, /resolves to ::ffff:127\.0\.0\.1.*loopback/);
  });

  it("refuses a name with one public and one private address", async () => {
    await expectRefused(`http://mixed.example.test:${internal.port}/`, /resolves to 127\.0\.0\.1, which is a loopback/);
  });
});

describe("fetching", () => {
  it("returns text with status and content type, connecting to the checked address under the original host", async () => {
    const result = await get(siteUrl("/hello"));
    expect(result).toEqual({
      url: siteUrl("/hello"),
      status: 200,
      contentType: "text/plain; charset=utf-8",
      text: "hello from the site",
      truncated: false,
      bytes: 19,
    });
    const echo = await get(siteUrl("/echo"), { userAgent: "keel-test/1" });
    expect(JSON.parse(echo.text ?? "")).toEqual({ host: `docs.example.test:${site.port}`, agent: "keel-test/1" });
  });

  it("connects to the address it checked, so a changed DNS answer cannot redirect the socket", async () => {
    lookups.length = 0;
    const result = await get(siteUrl("/hello", "rebind.example.test"));
    expect(result.text).toBe("hello from the site");
    expect(lookups).toEqual(["rebind.example.test"]); // resolved once, by us
    expect(tripwire.hosts).toEqual([SITE]); // the socket went to the checked IP, not to a name
  });

  it("returns non-2xx statuses as data", async () => {
    const result = await get(siteUrl("/missing"));
    expect(result.status).toBe(404);
    expect(result.text).toBe("no such page");
  });

  it("returns only metadata for non-text content", async () => {
    const result = await get(siteUrl("/image"));
    expect(result).toMatchObject({ status: 200, contentType: "image/png", text: null, bytes: 0 });
    expect(result.note).toBe("Body not returned: image/png is not text (4 bytes).");
  });

  it("decodes gzip and declared charsets", async () => {
    const gz = await get(siteUrl("/gzip"));
    expect(gz.text).toBe("z".repeat(50_000));
    expect(gz.truncated).toBe(false);
    expect((await get(siteUrl("/latin1"))).text).toBe("café");
  });

  it("reports a body that cannot be decoded", async () => {
    const err = await failure(siteUrl("/bad-gzip"));
    expect(err.message).toMatch(/^Could not read the body of http:\/\/docs\.example\.test:\d+\/bad-gzip: .*header/);
  });

  it("tries the next checked address when one refuses the connection", async () => {
    const result = await get(siteUrl("/hello", "fallback.example.test"));
    expect(result.text).toBe("hello from the site");
    expect(tripwire.hosts.slice(-2)).toEqual([NO_LISTENER, SITE]);
  });

  it("reports a name that does not resolve", async () => {
    const err = await failure("http://nowhere.example.test/");
    expect(err.message).toBe("Could not resolve nowhere.example.test (ENOTFOUND); check the host name.");
  });
});

describe("redirects", () => {
  it("follows an allowed redirect and reports the final URL", async () => {
    const result = await get(siteUrl("/redirect?to=/hello"));
    expect(result.url).toBe(siteUrl("/hello"));
    expect(result.text).toBe("hello from the site");
  });

  it("follows a redirect to another allowed host", async () => {
    const to = encodeURIComponent(siteUrl("/hello", "other.example.test"));
    const result = await get(siteUrl(`/redirect?to=${to}`), {
      allowedHosts: ["docs.example.test", "*.example.test"],
    });
    expect(result.url).toBe(siteUrl("/hello", "other.example.test"));
  });

  it("refuses a redirect to 127.0.0.1; the internal server sees nothing", async () => {
    const to = `http://127.0.0.1:${internal.port}/admin`;
    const err = await failure(siteUrl(`/redirect?to=${encodeURIComponent(to)}`));
    expect(err.message).toBe(
      `Refused: ${siteUrl(`/redirect?to=${encodeURIComponent(to)}`)} redirected to ${to}, and 127.0.0.1 is a loopback address.`,
    );
    expect(internal.connections).toBe(0);
    expect(internal.requests).toEqual([]);
  });

  it("refuses a redirect to the metadata address", async () => {
    const before = tripwire.hosts.length;
    const err = await failure(siteUrl("/redirect?to=http://169.254.169.254/latest/meta-data/"));
    expect(err.message).toMatch(
      /^Refused: .* redirected to http:\/\/169\.254\.169\.254\/latest\/meta-data\/, and .*link-local/,
    );
    expect(tripwire.hosts.slice(before)).toEqual([SITE]); // only the first hop connected
  });

  it("refuses a redirect to a name resolving privately or off the allow-list", async () => {
    const viaName = await failure(siteUrl(`/redirect?to=http://mixed.example.test:${internal.port}/`));
    expect(viaName.message).toMatch(/redirected to .*mixed\.example\.test.*127\.0\.0\.1, which is a loopback/);
    const offList = await failure(
      siteUrl(`/redirect?to=${encodeURIComponent(siteUrl("/hello", "other.example.test"))}`),
      {
        allowedHosts: ["docs.example.test"],
      },
    );
    expect(offList.message).toMatch(/^Refused: .*other\.example\.test is not on the allowed host list/);
    const toFile = await failure(siteUrl("/redirect?to=file:///etc/passwd"));
    expect(toFile.message).toMatch(/^Refused: .*not file\.$/);
  });

  it("stops after maxRedirects", async () => {
    const before = site.requests.length;
    const err = await failure(siteUrl("/loop"));
    expect(err.message).toMatch(/^Too many redirects: stopped after 3/);
    expect(site.requests.slice(before)).toEqual(["/loop", "/loop", "/loop", "/loop"]);
    const none = await failure(siteUrl("/redirect?to=/hello"), { maxRedirects: 0 });
    expect(none.message).toMatch(/^Too many redirects: stopped after 0/);
  });
});

describe("limits", () => {
  it("stops reading an endless body at the cap and returns promptly", async () => {
    const started = Date.now();
    const result = await get(siteUrl("/endless"));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.truncated).toBe(true);
    expect(result.bytes).toBe(CAP);
    expect(result.text).toBe("a".repeat(CAP));
  });

  it("honours a smaller per-call cap but never a larger one", async () => {
    const small = await get(siteUrl("/endless"), {}, 1_000);
    expect(small).toMatchObject({ truncated: true, bytes: 1_000 });
    const large = await get(siteUrl("/endless"), {}, CAP * 10);
    expect(large.bytes).toBe(CAP);
  });

  it("does not flag a body of exactly the cap as truncated", async () => {
    const result = await get(siteUrl("/exact?n=1000"), {}, 1_000);
    expect(result).toMatchObject({ truncated: false, bytes: 1_000 });
  });

  it("caps decompressed bytes and never splits a character", async () => {
    expect(await get(siteUrl("/gzip"), {}, 10)).toMatchObject({ text: "z".repeat(10), truncated: true, bytes: 10 });
    const accents = await get(siteUrl("/accents"), {}, 1_001); // "é" is two bytes
    expect(accents.text).toBe("é".repeat(500));
    expect(accents.truncated).toBe(true);
  });

  it("times out on a server that never answers", async () => {
    const started = Date.now();
    const err = await failure(siteUrl("/hang"), { timeoutMs: 300 });
    expect(err.message).toBe(`Timed out after 300 ms fetching ${siteUrl("/hang")}; the site is slow or not answering.`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("times out on a name that never resolves", async () => {
    const started = Date.now();
    const err = await failure("http://slow-dns.example.test/", { timeoutMs: 200 });
    expect(err.message).toMatch(/^Timed out after 200 ms fetching http:\/\/slow-dns\.example\.test\//);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(tripwire.hosts).toEqual([]);
  });

  it("stops when the caller's signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("run cancelled")), 100);
    const started = Date.now();
    const call = makeTool().handler({ url: siteUrl("/hang") }, context(controller.signal));
    await expect(call).rejects.toThrow(`Fetching ${siteUrl("/hang")} was cancelled.`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("https", () => {
  it("connects to the checked address but sends the URL's host as TLS server name, and verifies", async () => {
    const names: string[] = [];
    // No certificate needed: the server records the SNI name, then ends the handshake.
    const server = createTlsServer({
      SNICallback: (name, done) => {
        names.push(name);
        done(new Error("test server ends the handshake"));
      },
    });
    server.on("tlsClientError", () => {});
    server.listen(0, SITE);
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const err = await failure(`https://docs.example.test:${port}/`);
      expect(err).not.toBeInstanceOf(HttpGetRefusal);
      expect(err).toBeInstanceOf(ToolError);
      expect(err.message).toMatch(/^Could not fetch https:\/\/docs\.example\.test:\d+\/: /);
      expect(names).toEqual(["docs.example.test"]);
    } finally {
      server.close();
    }
  });
});

describe("the tool", () => {
  it("is an external, approval-free tool whose description states its limits", () => {
    const tool = makeTool({ allowedHosts: ["docs.example.test"] });
    expect(tool.name).toBe("http_get");
    expect(tool.policy).toMatchObject({
      risk: "external",
      egress: true,
      roles: ["member", "admin"],
      needsApproval: false,
      timeoutMs: 4_000,
    });
    expect(tool.description).toContain(`at most ${CAP} bytes`);
    expect(tool.description).toContain("Only these hosts can be fetched: docs.example.test.");
    expect(z.toJSONSchema(tool.schema, { io: "input" })).toMatchObject({ required: ["url"] });
  });

  it("rejects trusted addresses that are not IPs", () => {
    expect(() => createHttpGetTool({ trustedAddresses: ["localhost"] })).toThrow(/not an IP address/);
  });
});
