import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../runtime/config.js";
import { KeelError } from "../runtime/errors.js";
import { corsFor } from "./cors.js";
import { jsonContains } from "./json-contains.js";

function corsError(value: string): KeelError {
  try {
    loadConfig({ SERVE_CORS_ORIGINS: value });
  } catch (err) {
    if (err instanceof KeelError) return err;
    throw err;
  }
  throw new Error("expected a configuration error");
}

describe("SERVE_CORS_ORIGINS", () => {
  it("is none by default and takes exact origins or * alone", () => {
    expect(loadConfig({}).serve.corsOrigins).toEqual([]);
    expect(
      loadConfig({ SERVE_CORS_ORIGINS: " http://localhost:3000 ,https://smith.langchain.com" }).serve.corsOrigins,
    ).toEqual(["http://localhost:3000", "https://smith.langchain.com"]);
    expect(loadConfig({ SERVE_CORS_ORIGINS: "*" }).serve.corsOrigins).toEqual(["*"]);
  });

  it("refuses paths, trailing slashes, other schemes, and * among origins", () => {
    for (const bad of [
      "http://localhost:3000/",
      "https://a.example/app",
      "localhost:3000",
      "ftp://a.example",
      "*,http://a.example",
    ]) {
      expect(corsError(bad).details?.variables, bad).toEqual(["SERVE_CORS_ORIGINS"]);
    }
  });
});

describe("corsFor", () => {
  const app = (origins: string[]) => {
    const a = new Hono();
    a.use(corsFor(origins));
    a.use(async (c, next) => (c.req.header("x-api-key") ? next() : c.json({ error: "unauthorized" }, 401)));
    a.get("/x", (c) => c.json({ ok: true }));
    return a;
  };
  const preflight = {
    method: "OPTIONS",
    headers: { origin: "http://a.example", "access-control-request-method": "GET" },
  };

  it("answers preflights before auth, allowing only listed origins, never credentials", async () => {
    const allowed = await app(["http://a.example"]).request("/x", preflight);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://a.example");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    const none = await app([]).request("/x", preflight);
    expect(none.status).toBe(204);
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
    const any = await app(["*"]).request("/x", preflight);
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("marks answers and errors for an allowed origin", async () => {
    const res = await app(["http://a.example"]).request("/x", { headers: { origin: "http://a.example" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://a.example");
    expect(res.headers.get("access-control-expose-headers")).toContain("content-location");
  });
});

describe("jsonContains", () => {
  it("follows jsonb @>", () => {
    const state = {
      messages: [
        { type: "human", content: "hi" },
        { type: "ai", content: "yo" },
      ],
      n: 1,
    };
    expect(jsonContains(state, {})).toBe(true);
    expect(jsonContains(state, { messages: [{ content: "yo" }] })).toBe(true);
    expect(jsonContains(state, { messages: [{ content: "hi" }, { type: "ai" }] })).toBe(true);
    expect(jsonContains(state, { messages: [{ content: "nope" }] })).toBe(false);
    expect(jsonContains(state, { n: "1" })).toBe(false);
    expect(jsonContains(state, { missing: null })).toBe(false);
    expect(jsonContains(null, {})).toBe(false);
    expect(jsonContains([1, 2], [2])).toBe(true);
  });
});
