import { z } from "zod";
import type { Budgets } from "./budget.js";
import { KeelError } from "./errors.js";
import { loadPrices, type PriceTable } from "./pricing.js";

/** Env strings → typed values. Empty strings count as unset so `.env` templates can leave blanks. */
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());
const int = (def: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === "" || v === undefined ? undefined : Number(v)),
    z.number().int().min(min).max(max).default(def),
  );
const num = (def: number, min: number, max: number) =>
  z.preprocess((v) => (v === "" || v === undefined ? undefined : Number(v)), z.number().min(min).max(max).default(def));
const bool = (def: boolean) =>
  z.preprocess((v) => {
    if (v === undefined || v === "") return undefined;
    if (typeof v === "string") {
      const s = v.toLowerCase();
      if (["1", "true", "yes", "on"].includes(s)) return true;
      if (["0", "false", "no", "off"].includes(s)) return false;
    }
    return v;
  }, z.boolean().default(def));
const url = optionalString.pipe(z.url().optional());

/**
 * Every environment variable Keel reads, with its default. `.env.example` documents the same list;
 * a test keeps the two in step.
 */
export const EnvSchema = z.object({
  // Model endpoint (any OpenAI-compatible server). No key → the built-in offline fake server.
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url,
  MODEL: z.string().min(1).default("gpt-4o-mini"),
  FALLBACK_MODEL: optionalString,
  MODEL_TEMPERATURE: num(0, 0, 2),
  /** Total deadline of one model call, including every streamed chunk. */
  MODEL_TIMEOUT_MS: int(60_000, 100, 600_000),
  /** Longest silence tolerated before headers or between two streamed chunks. */
  MODEL_STALL_MS: int(20_000, 50, 600_000),
  MODEL_MAX_RETRIES: int(4, 0, 10),
  MODEL_RETRY_BASE_MS: int(500, 1, 60_000),
  MODEL_RETRY_MAX_MS: int(20_000, 1, 300_000),
  /** How long one model call keeps retrying 429s (they do not count against MODEL_MAX_RETRIES); 0 retries none. */
  MODEL_RATE_LIMIT_PATIENCE_MS: int(60_000, 0, 3_600_000),
  /** Longest backoff between two 429 retries when the endpoint sends no `retry-after`. */
  MODEL_RATE_LIMIT_RETRY_MAX_MS: int(15_000, 1, 300_000),
  /** JSON file of prices (USD per million tokens) laid over the built-in table. */
  PRICES_FILE: optionalString,

  // Persistence. No URL → embedded PostgreSQL under KEEL_DATA_DIR.
  DATABASE_URL: url,
  KEEL_DATA_DIR: z.string().min(1).default(".keel"),
  EMBEDDED_PG_PORT: int(54329, 1024, 65535),
  /** 32 bytes (64 hex or base64): checkpoint payloads are encrypted at rest (checkpoint/encrypted-serde.ts). */
  CHECKPOINT_ENCRYPTION_KEY: optionalString.refine(
    (v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32,
    "must be 32 bytes: 64 hex characters or base64",
  ),

  // Budgets per run and per thread; when one runs out the run ends with a summary of partial work.
  // For tokens, cost and time, 0 means unlimited.
  MAX_STEPS: int(12, 1, 1000),
  MAX_MODEL_CALLS: int(24, 1, 10_000),
  MAX_TOOL_CALLS: int(40, 1, 10_000),
  MAX_RUN_TOKENS: int(400_000, 0, 1_000_000_000),
  MAX_RUN_COST_USD: num(1, 0, 100_000),
  MAX_RUN_SECONDS: num(300, 0, 86_400),
  MAX_THREAD_TOKENS: int(0, 0, 1_000_000_000),
  MAX_THREAD_COST_USD: num(10, 0, 1_000_000),
  /** Per user, across all threads and replicas (kept in PostgreSQL); 0 means unlimited. */
  USER_TOKENS_PER_MINUTE: int(0, 0, 1_000_000_000),
  USER_USD_PER_DAY: num(0, 0, 1_000_000),
  MAX_INPUT_CHARS: int(20_000, 1, 1_000_000),
  /** The model's context window; older turns are summarized before the context nears it. */
  MODEL_CONTEXT_TOKENS: int(128_000, 1_000, 10_000_000),
  /** Summarize once the context passes this fraction of the window. */
  CONTEXT_SUMMARIZE_AT: num(0.7, 0.1, 0.95),
  /** Fraction of the window kept verbatim as the recent turns after summarizing. */
  CONTEXT_KEEP_RECENT: num(0.25, 0.05, 0.9),
  /**
   * Summarize also once a thread holds more messages than this (0: only by tokens), keeping the
   * newest CONTEXT_KEEP_MESSAGES. Every checkpoint stores the whole message list, so this bounds
   * what each turn writes and what each model call is sent, however long the thread grows.
   */
  CONTEXT_SUMMARIZE_MESSAGES: int(40, 0, 100_000),
  CONTEXT_KEEP_MESSAGES: int(20, 1, 100_000),
  /** Tool output longer than this is truncated, with a note, before it enters the context. */
  TOOL_OUTPUT_MAX_CHARS: int(16_000, 200, 10_000_000),
  TOOL_CONCURRENCY: int(4, 1, 64),

  // Built-in tools.
  KNOWLEDGE_DIR: z.string().min(1).default("knowledge"),
  /** Comma-separated hosts (or *.suffix patterns) http_get may fetch; empty allows any public host. */
  HTTP_GET_ALLOWED_HOSTS: z.string().default(""),

  // Guards.
  /** Tool output that looks like an injection: "flag" delivers it spotlighted and flagged, "quarantine" withholds it. */
  GUARD_TOOL_OUTPUT: z.enum(["flag", "quarantine"]).default("flag"),
  GUARD_REDACTION: z.enum(["redact", "mask", "hash"]).default("redact"),
  GUARD_HASH_KEY: optionalString,
  /** User input is refused on rule evidence, or on a model-only score at least this high (else flagged). */
  GUARD_BLOCK_SCORE: z.preprocess(
    (v) => (v === "" || v === undefined ? undefined : Number(v)),
    z.number().min(0).max(1).optional(),
  ),
  /** A cheap model as a second opinion on text the local guards let through. */
  GUARD_LLM_CLASSIFIER: bool(false),
  GUARD_LLM_MODEL: optionalString,
  GUARD_LLM_FAIL_MODE: z.enum(["closed", "open"]).default("closed"),

  // Caller identity for the terminal client (the API server takes it from API keys or JWTs).
  KEEL_USER_ID: z.string().min(1).default("local-user"),
  KEEL_ROLE: z.enum(["viewer", "member", "admin"]).default("member"),

  // The graph API server (`npm run serve`).
  SERVE_HOST: z.string().min(1).default("127.0.0.1"),
  SERVE_PORT: int(8123, 1, 65535),
  /** Largest request body; bigger requests get 413 before anything is parsed. */
  SERVE_MAX_BODY_BYTES: int(1_000_000, 1_000, 100_000_000),
  /** On SIGTERM: how long running runs may take to finish before they are stopped at their last checkpoint. */
  SERVE_SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  /** Runs executing at once in this process; more wait in the queue (in PostgreSQL) for a free slot on any replica. */
  SERVE_MAX_CONCURRENT_RUNS: int(16, 1, 1_000),
  /**
   * Runs one user may have executing at once in this process (default: SERVE_MAX_CONCURRENT_RUNS).
   * The queue already serves users in turn; a lower cap reserves slots for other users.
   */
  SERVE_MAX_RUNS_PER_USER: z.preprocess(
    (v) => (v === "" || v === undefined ? undefined : Number(v)),
    z.number().int().min(1).max(1_000).optional(),
  ),
  /** Runs waiting to start, across all replicas, beyond which new runs get 503 `queue_full`. */
  SERVE_MAX_QUEUED_RUNS: int(10_000, 1, 1_000_000),
  /** Runs one user may have waiting to start, beyond which their new runs get 429 `user_queue_full`. */
  SERVE_MAX_QUEUED_PER_USER: int(2_500, 1, 1_000_000),
  /** How often a replica looks at the queue for runs it has room for (it also looks whenever a run ends). */
  SERVE_QUEUE_POLL_MS: int(500, 20, 60_000),
  /** How often a replica looks for runs whose process died, to resume them from their last checkpoint. */
  SERVE_SWEEP_MS: int(5_000, 100, 600_000),
  /**
   * Models an assistant may name (comma-separated) besides MODEL and FALLBACK_MODEL, which are always
   * allowed. Default none: a model is spend and an endpoint contract, so an operator opts in to each.
   */
  SERVE_ASSISTANT_MODELS: z.string().default(""),
  /** Browser origins (comma-separated, exact `scheme://host[:port]`, or `*` alone) allowed to call the API; default none. */
  SERVE_CORS_ORIGINS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .superRefine((origins, ctx) => {
      if (origins.includes("*") && origins.length > 1) {
        ctx.addIssue({ code: "custom", message: "* allows every origin and cannot be combined with others" });
      }
      for (const origin of origins) {
        if (origin === "*") continue;
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
          ctx.addIssue({
            code: "custom",
            message: `${origin} is not an origin (scheme://host[:port], no path or trailing slash)`,
          });
        }
      }
    }),
  /** Checkpoints kept per thread and namespace by the retention pass: the newest and its ancestors. */
  // A turn of the agent is about 7 steps: 100 keeps some 14 turns to edit or regenerate from.
  STORAGE_KEEP_CHECKPOINTS: int(100, 1, 100_000),
  /** Threads idle this many days are deleted (fractions allowed); 0 keeps them forever. */
  STORAGE_THREAD_TTL_DAYS: num(0, 0, 36_500),
  /** Seconds between retention passes under `npm run serve` (one replica at a time); 0 turns them off. */
  STORAGE_PRUNE_INTERVAL_S: int(600, 0, 604_800),
  /** Threads a retention pass reads per query; each is then pruned in its own short transaction. */
  STORAGE_PRUNE_BATCH: int(100, 1, 10_000),
  /** Comma-separated `key:user_id:role` entries (role viewer|member|admin). */
  AUTH_API_KEYS: z.string().default(""),
  /** HS256 secret (32+ bytes) for bearer JWTs: `sub` is the user id, the `role` claim the role (default member). */
  AUTH_JWT_SECRET: optionalString,
  /** An identity provider's JWKS: bearer JWTs signed RS256/ES256 (needs AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE). */
  AUTH_JWKS_URL: url,
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  /** Without keys or JWTs the server refuses to start, unless this allows anonymous callers. */
  AUTH_ALLOW_ANONYMOUS: bool(false),
  /** The role of anonymous callers. */
  AUTH_ANONYMOUS_ROLE: z.enum(["viewer", "member", "admin"]).default("viewer"),

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LANGSMITH_TRACING: bool(false),
  LANGSMITH_API_KEY: optionalString,
  LANGSMITH_ENDPOINT: url,
  LANGSMITH_PROJECT: z.string().min(1).default("keel"),
  /** Longest wait for traces to reach LangSmith at shutdown; an unreachable endpoint never stalls exit. */
  LANGSMITH_FLUSH_TIMEOUT_MS: int(2_000, 0, 60_000),
});

export type Env = z.infer<typeof EnvSchema>;

export interface KeelConfig {
  model: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    name: string;
    fallbackName: string | undefined;
    temperature: number;
    timeoutMs: number;
    stallMs: number;
    retry: {
      maxRetries: number;
      baseMs: number;
      maxMs: number;
      /** See RetryPolicy in retry.ts: unset, 429s count against maxRetries. */
      rateLimitPatienceMs?: number;
      rateLimitMaxMs?: number;
    };
    prices: PriceTable;
    /** True when no key is configured: Keel talks to its own offline fake server. */
    offline: boolean;
  };
  database: { url: string | undefined; dataDir: string; embeddedPort: number; encryptionKey?: string | undefined };
  budgets: Budgets;
  userLimits: { tokensPerMinute: number; usdPerDay: number };
  limits: {
    maxInputChars: number;
    contextTokens: number;
    summarizeAtTokens: number;
    keepRecentTokens: number;
    /** 0: no trigger by count. */
    summarizeAtMessages: number;
    keepRecentMessages: number;
    toolOutputMaxChars: number;
    toolConcurrency: number;
  };
  tools: { knowledgeDir: string; httpAllowedHosts: string[] };
  guards: {
    toolOutput: "flag" | "quarantine";
    redaction: "redact" | "mask" | "hash";
    hashKey: string | undefined;
    /** Unset: a detection on the model's score alone is flagged, never refused. */
    blockScore: number | undefined;
    llmClassifier: { enabled: boolean; model: string | undefined; failMode: "closed" | "open" };
  };
  identity: { userId: string; role: "viewer" | "member" | "admin" };
  serve: {
    host: string;
    port: number;
    maxBodyBytes: number;
    shutdownGraceMs: number;
    maxConcurrentRuns: number;
    /** At most maxConcurrentRuns. */
    maxRunsPerUser: number;
    maxQueuedRuns: number;
    maxQueuedPerUser: number;
    queuePollMs: number;
    sweepMs: number;
    /** Browser origins allowed by CORS: exact origins, or ["*"] for any; empty for none. */
    corsOrigins: string[];
    /** Models an assistant may run on: MODEL, FALLBACK_MODEL (when set) and SERVE_ASSISTANT_MODELS. */
    assistantModels: string[];
  };
  storage: {
    keepCheckpoints: number;
    /** Undefined: threads are kept forever. */
    threadTtlMs: number | undefined;
    /** 0: no scheduled passes. */
    pruneIntervalMs: number;
    batchSize: number;
  };
  auth: {
    /** Raw `key:user_id:role` entries; server/auth.ts parses and validates them. */
    apiKeys: string;
    /** Set when AUTH_JWT_SECRET or AUTH_JWKS_URL is. */
    jwt:
      | {
          secret: string | undefined;
          jwksUrl: string | undefined;
          issuer: string | undefined;
          audience: string | undefined;
        }
      | undefined;
    allowAnonymous: boolean;
    anonymousRole: "viewer" | "member" | "admin";
  };
  logLevel: Env["LOG_LEVEL"];
  tracing: {
    enabled: boolean;
    apiKey: string | undefined;
    endpoint: string | undefined;
    project: string;
    flushTimeoutMs: number;
  };
}

/** Parse the environment; a bad value stops start-up naming the variable and what it accepts. */
export function loadConfig(env: Record<string, string | undefined> = process.env): KeelConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return `${name}=${JSON.stringify(env[name] ?? "")}: ${describeIssue(issue)}`;
    });
    throw new KeelError("config_invalid", `Invalid configuration:\n  ${lines.join("\n  ")}`, {
      details: { variables: parsed.error.issues.map((i) => i.path.join(".")) },
    });
  }
  const e = parsed.data;
  if (e.CONTEXT_KEEP_RECENT >= e.CONTEXT_SUMMARIZE_AT) {
    throw new KeelError(
      "config_invalid",
      `Invalid configuration:\n  CONTEXT_KEEP_RECENT=${e.CONTEXT_KEEP_RECENT}: must be below CONTEXT_SUMMARIZE_AT (${e.CONTEXT_SUMMARIZE_AT})`,
      { details: { variables: ["CONTEXT_KEEP_RECENT"] } },
    );
  }
  if (e.CONTEXT_SUMMARIZE_MESSAGES > 0 && e.CONTEXT_KEEP_MESSAGES >= e.CONTEXT_SUMMARIZE_MESSAGES) {
    throw new KeelError(
      "config_invalid",
      `Invalid configuration:\n  CONTEXT_KEEP_MESSAGES=${e.CONTEXT_KEEP_MESSAGES}: must be below CONTEXT_SUMMARIZE_MESSAGES (${e.CONTEXT_SUMMARIZE_MESSAGES})`,
      { details: { variables: ["CONTEXT_KEEP_MESSAGES"] } },
    );
  }
  if (e.SERVE_MAX_RUNS_PER_USER !== undefined && e.SERVE_MAX_RUNS_PER_USER > e.SERVE_MAX_CONCURRENT_RUNS) {
    throw new KeelError(
      "config_invalid",
      `Invalid configuration:\n  SERVE_MAX_RUNS_PER_USER=${e.SERVE_MAX_RUNS_PER_USER}: must be at most SERVE_MAX_CONCURRENT_RUNS (${e.SERVE_MAX_CONCURRENT_RUNS})`,
      { details: { variables: ["SERVE_MAX_RUNS_PER_USER"] } },
    );
  }
  return {
    model: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      name: e.MODEL,
      fallbackName: e.FALLBACK_MODEL,
      temperature: e.MODEL_TEMPERATURE,
      timeoutMs: e.MODEL_TIMEOUT_MS,
      stallMs: e.MODEL_STALL_MS,
      retry: {
        maxRetries: e.MODEL_MAX_RETRIES,
        baseMs: e.MODEL_RETRY_BASE_MS,
        maxMs: e.MODEL_RETRY_MAX_MS,
        rateLimitPatienceMs: e.MODEL_RATE_LIMIT_PATIENCE_MS,
        rateLimitMaxMs: e.MODEL_RATE_LIMIT_RETRY_MAX_MS,
      },
      offline: e.OPENAI_API_KEY === undefined,
      prices: loadPrices(e.PRICES_FILE),
    },
    database: {
      url: e.DATABASE_URL,
      dataDir: e.KEEL_DATA_DIR,
      embeddedPort: e.EMBEDDED_PG_PORT,
      encryptionKey: e.CHECKPOINT_ENCRYPTION_KEY,
    },
    budgets: {
      run: {
        steps: e.MAX_STEPS,
        modelCalls: e.MAX_MODEL_CALLS,
        toolCalls: e.MAX_TOOL_CALLS,
        ...positive("tokens", e.MAX_RUN_TOKENS),
        ...positive("usd", e.MAX_RUN_COST_USD),
        ...positive("wallSeconds", e.MAX_RUN_SECONDS),
      },
      thread: { ...positive("tokens", e.MAX_THREAD_TOKENS), ...positive("usd", e.MAX_THREAD_COST_USD) },
    },
    userLimits: { tokensPerMinute: e.USER_TOKENS_PER_MINUTE, usdPerDay: e.USER_USD_PER_DAY },
    limits: {
      maxInputChars: e.MAX_INPUT_CHARS,
      contextTokens: e.MODEL_CONTEXT_TOKENS,
      summarizeAtTokens: Math.floor(e.MODEL_CONTEXT_TOKENS * e.CONTEXT_SUMMARIZE_AT),
      keepRecentTokens: Math.floor(e.MODEL_CONTEXT_TOKENS * e.CONTEXT_KEEP_RECENT),
      summarizeAtMessages: e.CONTEXT_SUMMARIZE_MESSAGES,
      keepRecentMessages: e.CONTEXT_KEEP_MESSAGES,
      toolOutputMaxChars: e.TOOL_OUTPUT_MAX_CHARS,
      toolConcurrency: e.TOOL_CONCURRENCY,
    },
    tools: {
      knowledgeDir: e.KNOWLEDGE_DIR,
      httpAllowedHosts: e.HTTP_GET_ALLOWED_HOSTS.split(",")
        .map((h) => h.trim())
        .filter(Boolean),
    },
    guards: {
      toolOutput: e.GUARD_TOOL_OUTPUT,
      redaction: e.GUARD_REDACTION,
      hashKey: e.GUARD_HASH_KEY,
      blockScore: e.GUARD_BLOCK_SCORE,
      llmClassifier: { enabled: e.GUARD_LLM_CLASSIFIER, model: e.GUARD_LLM_MODEL, failMode: e.GUARD_LLM_FAIL_MODE },
    },
    identity: { userId: e.KEEL_USER_ID, role: e.KEEL_ROLE },
    serve: {
      host: e.SERVE_HOST,
      port: e.SERVE_PORT,
      maxBodyBytes: e.SERVE_MAX_BODY_BYTES,
      shutdownGraceMs: e.SERVE_SHUTDOWN_GRACE_MS,
      maxConcurrentRuns: e.SERVE_MAX_CONCURRENT_RUNS,
      maxRunsPerUser: e.SERVE_MAX_RUNS_PER_USER ?? e.SERVE_MAX_CONCURRENT_RUNS,
      maxQueuedRuns: e.SERVE_MAX_QUEUED_RUNS,
      maxQueuedPerUser: e.SERVE_MAX_QUEUED_PER_USER,
      queuePollMs: e.SERVE_QUEUE_POLL_MS,
      sweepMs: e.SERVE_SWEEP_MS,
      corsOrigins: e.SERVE_CORS_ORIGINS,
      assistantModels: [
        ...new Set([
          e.MODEL,
          ...(e.FALLBACK_MODEL ? [e.FALLBACK_MODEL] : []),
          ...e.SERVE_ASSISTANT_MODELS.split(",")
            .map((m) => m.trim())
            .filter(Boolean),
        ]),
      ],
    },
    storage: {
      keepCheckpoints: e.STORAGE_KEEP_CHECKPOINTS,
      threadTtlMs: e.STORAGE_THREAD_TTL_DAYS > 0 ? Math.round(e.STORAGE_THREAD_TTL_DAYS * 86_400_000) : undefined,
      pruneIntervalMs: e.STORAGE_PRUNE_INTERVAL_S * 1000,
      batchSize: e.STORAGE_PRUNE_BATCH,
    },
    auth: {
      apiKeys: e.AUTH_API_KEYS,
      jwt:
        e.AUTH_JWT_SECRET || e.AUTH_JWKS_URL
          ? {
              secret: e.AUTH_JWT_SECRET,
              jwksUrl: e.AUTH_JWKS_URL,
              issuer: e.AUTH_JWT_ISSUER,
              audience: e.AUTH_JWT_AUDIENCE,
            }
          : undefined,
      allowAnonymous: e.AUTH_ALLOW_ANONYMOUS,
      anonymousRole: e.AUTH_ANONYMOUS_ROLE,
    },
    logLevel: e.LOG_LEVEL,
    tracing: {
      enabled: e.LANGSMITH_TRACING || LEGACY_TRACING_FLAGS.some((name) => /^(1|true|yes|on)$/i.test(env[name] ?? "")),
      apiKey: e.LANGSMITH_API_KEY,
      endpoint: e.LANGSMITH_ENDPOINT,
      project: e.LANGSMITH_PROJECT,
      flushTimeoutMs: e.LANGSMITH_FLUSH_TIMEOUT_MS,
    },
  };
}

/**
 * Older names LangChain still honours. Left unread, one of them switches on LangChain's own tracer,
 * which sends runs unredacted; read here, they switch on Keel's redacting one instead.
 */
const LEGACY_TRACING_FLAGS = ["LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING"] as const;

/** 0 means unlimited: the key is left out of the budget. */
function positive<K extends string>(key: K, value: number): Partial<Record<K, number>> {
  return value > 0 ? ({ [key]: value } as Record<K, number>) : {};
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}`;
    case "invalid_type":
      return issue.expected === "number" ? "must be a number" : `must be a ${issue.expected}`;
    case "invalid_format":
      return issue.format === "url" ? "must be a URL such as http://host:port/path" : `must be a ${issue.format}`;
    default:
      return issue.message;
  }
}
