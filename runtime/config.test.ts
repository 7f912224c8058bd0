import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EnvSchema, loadConfig } from "./config.js";
import { KeelError } from "./errors.js";

function configError(env: Record<string, string>): KeelError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof KeelError) return err;
    throw err;
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("runs offline with defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config.model.offline).toBe(true);
    expect(config.model.name).toBe("gpt-4o-mini");
    expect(config.database.url).toBeUndefined();
    expect(config.budgets.run).toEqual({
      steps: 12,
      modelCalls: 24,
      toolCalls: 40,
      tokens: 400_000,
      usd: 1,
      wallSeconds: 300,
    });
    expect(config.budgets.thread).toEqual({ usd: 10 });
    expect(config.identity.role).toBe("member");
  });

  it("treats LangChain's older tracing switches as turning on Keel's redacting tracer", () => {
    expect(loadConfig({}).tracing.enabled).toBe(false);
    for (const name of ["LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING"]) {
      expect(loadConfig({ [name]: "true" }).tracing.enabled, name).toBe(true);
      expect(loadConfig({ [name]: "false" }).tracing.enabled, name).toBe(false);
    }
  });

  it("reads typed values and treats empty strings as unset", () => {
    const config = loadConfig({ OPENAI_API_KEY: "sk-x", MAX_STEPS: "3", LANGSMITH_TRACING: "yes", DATABASE_URL: "" });
    expect(config.model.offline).toBe(false);
    expect(config.budgets.run.steps).toBe(3);
    expect(config.tracing.enabled).toBe(true);
    expect(config.database.url).toBeUndefined();
  });

  it.each([
    [{ MAX_STEPS: "lots" }, "MAX_STEPS", "must be a number"],
    [{ MAX_STEPS: "0" }, "MAX_STEPS", "at least 1"],
    [{ KEEL_ROLE: "root" }, "KEEL_ROLE", '"viewer", "member", "admin"'],
    [{ OPENAI_BASE_URL: "not a url" }, "OPENAI_BASE_URL", "must be a URL"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL", "must be one of"],
    [{ LANGSMITH_TRACING: "maybe" }, "LANGSMITH_TRACING", "must be a boolean"],
  ])("names the variable and what it accepts: %o", (env, name, allowed) => {
    const error = configError(env);
    expect(error.code).toBe("config_invalid");
    expect(error.message).toContain(name);
    expect(error.message).toContain(allowed);
    expect(error.details?.variables).toEqual([name]);
  });

  it("reports every bad variable at once", () => {
    const error = configError({ MAX_STEPS: "x", TOOL_CONCURRENCY: "-1" });
    expect(error.details?.variables).toEqual(expect.arrayContaining(["MAX_STEPS", "TOOL_CONCURRENCY"]));
  });

  it("rejects keeping more of the window than the summary trigger", () => {
    expect(configError({ CONTEXT_SUMMARIZE_AT: "0.5", CONTEXT_KEEP_RECENT: "0.5" }).message).toContain(
      "CONTEXT_KEEP_RECENT",
    );
  });

  // 429s are retried for a length of time, not a number of attempts (MODEL_MAX_RETRIES is for 5xx and resets).
  it("reads the rate-limit patience and its backoff cap, with defaults", () => {
    expect(loadConfig({}).model.retry).toEqual({
      maxRetries: 4,
      baseMs: 500,
      maxMs: 20_000,
      rateLimitPatienceMs: 60_000,
      rateLimitMaxMs: 15_000,
    });
    expect(
      loadConfig({ MODEL_RATE_LIMIT_PATIENCE_MS: "0", MODEL_RATE_LIMIT_RETRY_MAX_MS: "2000" }).model.retry,
    ).toMatchObject({ rateLimitPatienceMs: 0, rateLimitMaxMs: 2000 });
    expect(configError({ MODEL_RATE_LIMIT_PATIENCE_MS: "-1" }).details?.variables).toEqual([
      "MODEL_RATE_LIMIT_PATIENCE_MS",
    ]);
  });

  // The queue serves users in turn, so by default one user may use every slot (a backend calling
  // with one key is one user); a lower cap reserves slots for others, and is never above the server's.
  it("reads the per-user run cap: SERVE_MAX_CONCURRENT_RUNS by default, never more", () => {
    expect(loadConfig({}).serve).toMatchObject({
      maxConcurrentRuns: 16,
      maxRunsPerUser: 16,
      maxQueuedRuns: 10_000,
      maxQueuedPerUser: 2_500,
    });
    expect(loadConfig({ SERVE_MAX_CONCURRENT_RUNS: "2" }).serve.maxRunsPerUser).toBe(2);
    expect(loadConfig({ SERVE_MAX_RUNS_PER_USER: "10" }).serve.maxRunsPerUser).toBe(10);
    const error = configError({ SERVE_MAX_CONCURRENT_RUNS: "8", SERVE_MAX_RUNS_PER_USER: "9" });
    expect(error.message).toContain("SERVE_MAX_RUNS_PER_USER=9: must be at most SERVE_MAX_CONCURRENT_RUNS (8)");
    expect(error.details?.variables).toEqual(["SERVE_MAX_RUNS_PER_USER"]);
    expect(configError({ SERVE_MAX_RUNS_PER_USER: "0" }).details?.variables).toEqual(["SERVE_MAX_RUNS_PER_USER"]);
  });

  // Anonymous callers were members; JWTs could only be HS256.
  it("reads retention: 20 checkpoints kept, a pass every 10 minutes, threads kept forever by default", () => {
    expect(loadConfig({}).storage).toEqual({
      keepCheckpoints: 100,
      threadTtlMs: undefined,
      pruneIntervalMs: 600_000,
      batchSize: 100,
    });
    expect(
      loadConfig({ STORAGE_THREAD_TTL_DAYS: "1.5", STORAGE_PRUNE_INTERVAL_S: "0", STORAGE_KEEP_CHECKPOINTS: "3" })
        .storage,
    ).toMatchObject({ keepCheckpoints: 3, threadTtlMs: 129_600_000, pruneIntervalMs: 0 });
    expect(configError({ STORAGE_KEEP_CHECKPOINTS: "0" }).details?.variables).toEqual(["STORAGE_KEEP_CHECKPOINTS"]);
  });

  it("reads the anonymous role (viewer by default) and a JWKS URL", () => {
    expect(loadConfig({}).auth).toMatchObject({ allowAnonymous: false, anonymousRole: "viewer", jwt: undefined });
    expect(loadConfig({ AUTH_ANONYMOUS_ROLE: "member" }).auth.anonymousRole).toBe("member");
    expect(configError({ AUTH_ANONYMOUS_ROLE: "root" }).details?.variables).toEqual(["AUTH_ANONYMOUS_ROLE"]);
    expect(
      loadConfig({ AUTH_JWKS_URL: "https://id.example/jwks.json", AUTH_JWT_ISSUER: "https://id.example" }).auth.jwt,
    ).toEqual({
      secret: undefined,
      jwksUrl: "https://id.example/jwks.json",
      issuer: "https://id.example",
      audience: undefined,
    });
    expect(configError({ AUTH_JWKS_URL: "not a url" }).details?.variables).toEqual(["AUTH_JWKS_URL"]);
  });

  it(".env.example documents exactly the variables the schema reads", () => {
    const documented = readFileSync(new URL("../.env.example", import.meta.url), "utf8")
      .split("\n")
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split("=")[0]);
    expect(documented.sort()).toEqual(Object.keys(EnvSchema.shape).sort());
  });
});
