/**
 * The chat model: ChatOpenAI against any OpenAI-compatible endpoint, with the library's retries
 * off and Keel's own policy on top (retry.ts), deadlines enforced by deadline-fetch.ts, an
 * optional fallback model, a `model_retry` log line per retry, and failures turned into KeelErrors
 * a human can act on.
 */
import { AIMessage, AIMessageChunk, type BaseMessage, type MessageContent } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ChatOpenAI, ChatOpenAICompletions, type ChatOpenAIFields } from "@langchain/openai";
import type { KeelConfig } from "./config.js";
import { createDeadlineFetch, ModelDeadlineError, type DeadlinePhase } from "./deadline-fetch.js";
import { KeelError, type ErrorCode } from "./errors.js";
import type { Logger } from "./logger.js";
import {
  formatSeconds,
  retryPolicy,
  retryWithPolicy,
  RetryGaveUpError,
  type FailureClass,
  type FailureReason,
  type RetryInfo,
  type RetryPolicy,
} from "./retry.js";

export type ModelConfig = KeelConfig["model"];

export interface ModelOverrides {
  baseUrl?: string;
  apiKey?: string;
  model?: string;
}

const OPENAI_DEFAULT_ENDPOINT = "https://api.openai.com/v1";

/**
 * ChatOpenAI estimates token counts with a tokenizer it downloads from the internet on first use
 * (on every streamed `invoke` without a streaming callback). Offline that download is retried for
 * minutes and blocks the call, so Keel counts ~4 characters per token locally instead. Real usage
 * still comes from the endpoint's `usage` chunk.
 */
function approximateTokens(content: MessageContent): number {
  const text =
    typeof content === "string"
      ? content
      : content
          .map((part) =>
            typeof part === "string" ? part : "text" in part && typeof part.text === "string" ? part.text : "",
          )
          .join("");
  return Math.ceil(text.length / 4);
}

class LocalCountCompletions extends ChatOpenAICompletions {
  override getNumTokens(content: MessageContent): Promise<number> {
    return Promise.resolve(approximateTokens(content));
  }
}

class KeelChatOpenAI extends ChatOpenAI {
  override getNumTokens(content: MessageContent): Promise<number> {
    return Promise.resolve(approximateTokens(content));
  }
}

/**
 * A ChatOpenAI for any OpenAI-compatible endpoint: streaming with usage (so graph token streaming
 * works and usage is reported), no library retries (ModelClient owns them), deadlines enforced.
 */
export function createChatModel(cfg: ModelConfig, overrides: ModelOverrides = {}): ChatOpenAI {
  const baseURL = overrides.baseUrl ?? cfg.baseUrl;
  const apiKey = overrides.apiKey ?? cfg.apiKey ?? (cfg.offline ? "offline-demo" : undefined);
  const fields: ChatOpenAIFields = {
    model: overrides.model ?? cfg.name,
    temperature: cfg.temperature,
    streaming: true,
    streamUsage: true,
    // Off here so the only retries are ModelClient's (ChatOpenAI's AsyncCaller; the openai client
    // is created by ChatOpenAI with maxRetries 0 already, set again below for clarity).
    maxRetries: 0,
    // The SDK's own timer only covers the wait for headers; ours covers the whole response and
    // fires first, the SDK's stays as a backstop.
    timeout: cfg.timeoutMs + 1_000,
    ...(apiKey === undefined ? {} : { apiKey }),
    configuration: {
      ...(baseURL === undefined ? {} : { baseURL }),
      maxRetries: 0,
      fetch: createDeadlineFetch({ timeoutMs: cfg.timeoutMs, stallMs: cfg.stallMs }),
    },
  };
  return new KeelChatOpenAI({ ...fields, completions: new LocalCountCompletions(fields) });
}

export interface ModelToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ModelRetryEvent {
  model: string;
  /** The attempt that failed (1 = first). */
  attempt: number;
  delayMs: number;
  reason: FailureReason;
  status?: number;
  retryAfterMs?: number;
  /** For stalls and timeouts: before response headers or in the middle of the body. */
  phase?: DeadlinePhase;
  message: string;
}

export interface ModelInvokeOptions {
  tools?: ModelToolSpec[];
  signal?: AbortSignal;
  /**
   * The calling node's config, so callbacks (token streaming, tracing) reach the model call; its
   * thread (`configurable.thread_id`) and caller (`context.userId`) go into the retry log lines.
   */
  config?: RunnableConfig;
  /**
   * How long this call may take in all, retries included: what is left of the run's time budget.
   * No backoff or `retry-after` wait that would end later is started; the call fails instead
   * (details.stop "deadline"). An attempt already under way still runs to its own MODEL_TIMEOUT_MS.
   */
  timeBudgetMs?: number;
  onRetry?: (event: ModelRetryEvent) => void;
  /**
   * Another model on the same endpoint for this call (an assistant's; the server checks it against
   * its allow-list). Same retries, deadlines and fallback; usage is reported under the model's name.
   */
  model?: string;
}

export interface ModelClientOptions {
  /** Where the `model_retry` lines go (one per retry and per switch to the fallback model). */
  logger?: Logger;
  /**
   * Models a call may name besides the configured primary and fallback. The server checks an
   * assistant's model when it is saved; this check also holds where a caller writes the run's
   * context itself (`langgraphjs dev`, LangGraph Platform).
   */
  allowedModels?: readonly string[];
}

/** The `reason` of a `model_retry` log line: short codes for the faults an operator sees. */
const LOG_REASONS: Record<FailureReason, string> = {
  rate_limit: "rate_limited",
  server_error: "server_error",
  connection: "connection_error",
  timeout: "timeout",
  stall: "stalled",
  client_error: "client_error",
  aborted: "aborted",
  unknown: "unknown",
};

/** What one invoke shares across its attempts: when it began, its deadline, whom to log for. */
interface CallContext {
  started: number;
  deadline: number | undefined;
  signal: AbortSignal | undefined;
  log: Record<string, string>;
}

/** What one model's run of attempts came to, for error messages and details. */
interface Outcome {
  model: string;
  gaveUp: RetryGaveUpError;
}

/**
 * Calls the configured model with Keel's retry policy, then the fallback model (if configured)
 * when the primary stays unavailable. Throws KeelError `model_unavailable`, `model_timeout` or
 * `model_rejected`; a caller's abort rethrows the signal's reason at once.
 */
export class ModelClient {
  readonly modelName: string;
  readonly fallbackName: string | undefined;
  readonly endpoint: string;
  private readonly policy: RetryPolicy;
  private readonly primary: ChatOpenAI;
  private readonly fallback: ChatOpenAI | undefined;
  private readonly logger: Logger | undefined;
  private readonly allowedModels: ReadonlySet<string>;
  /**
   * Clients for models named per call, built on first use and kept: ChatOpenAI fixes its model at
   * construction (call options carry no model), and a client per call would redo its setup.
   */
  private readonly others = new Map<string, ChatOpenAI>();

  constructor(
    private readonly cfg: ModelConfig,
    private readonly overrides: ModelOverrides = {},
    options: ModelClientOptions = {},
  ) {
    this.logger = options.logger;
    this.allowedModels = new Set(options.allowedModels ?? []);
    this.modelName = overrides.model ?? cfg.name;
    this.fallbackName = cfg.fallbackName && cfg.fallbackName !== this.modelName ? cfg.fallbackName : undefined;
    this.endpoint = (overrides.baseUrl ?? cfg.baseUrl ?? OPENAI_DEFAULT_ENDPOINT).replace(/\/+$/, "");
    const policy = retryPolicy(cfg.retry);
    // A longer rate-limit patience also covers the longer `retry-after` a per-minute limit sends.
    this.policy = { ...policy, maxRetryAfterMs: Math.max(policy.maxRetryAfterMs, policy.rateLimitPatienceMs ?? 0) };
    this.primary = createChatModel(cfg, { ...overrides, model: this.modelName });
    this.fallback =
      this.fallbackName === undefined ? undefined : createChatModel(cfg, { ...overrides, model: this.fallbackName });
  }

  /** The client for a model name: the configured ones, else one built once and cached. */
  private clientFor(name: string): ChatOpenAI {
    if (name === this.modelName) return this.primary;
    if (name === this.fallbackName && this.fallback) return this.fallback;
    let client = this.others.get(name);
    if (!client) {
      if (!this.allowedModels.has(name)) {
        throw new KeelError("model_rejected", `Model "${name}" is not one this deployment allows.`);
      }
      client = createChatModel(this.cfg, { ...this.overrides, model: name });
      this.others.set(name, client);
    }
    return client;
  }

  async invoke(messages: BaseMessage[], options: ModelInvokeOptions = {}): Promise<AIMessage> {
    const primaryName = options.model ?? this.modelName;
    // The fallback stands in for whichever model was asked for, unless it is that model.
    const fallbackName = this.fallbackName !== primaryName ? this.fallbackName : undefined;
    const started = Date.now();
    const call: CallContext = {
      started,
      deadline: options.timeBudgetMs === undefined ? undefined : started + options.timeBudgetMs,
      signal: combineSignals(options.signal, options.config?.signal),
      log: logContext(options.config),
    };
    let primaryOutcome: Outcome;
    try {
      return await this.attempts(this.clientFor(primaryName), primaryName, messages, options, call);
    } catch (err) {
      if (!(err instanceof RetryGaveUpError)) throw err;
      primaryOutcome = { model: primaryName, gaveUp: err };
    }
    // The fallback is for an unavailable primary; a request the endpoint rejects would fail there
    // too, and a call whose time is up has none left to give it.
    const { stop, failure } = primaryOutcome.gaveUp;
    if (
      fallbackName === undefined ||
      stop === "not_retryable" ||
      stop === "deadline" ||
      (call.deadline !== undefined && Date.now() >= call.deadline)
    ) {
      throw this.toKeelError(primaryOutcome);
    }
    this.logger?.warn(
      {
        event: "model_retry",
        ...call.log,
        model: primaryName,
        attempt: primaryOutcome.gaveUp.attempts,
        reason: "fallback",
        delay_ms: 0,
        next_model: fallbackName,
        last_reason: LOG_REASONS[failure.reason],
        ...(failure.status === undefined ? {} : { status: failure.status }),
        elapsed_ms: Date.now() - started,
        error: serverMessage(primaryOutcome.gaveUp.cause),
      },
      "switching to the fallback model",
    );
    try {
      return await this.attempts(this.clientFor(fallbackName), fallbackName, messages, options, call);
    } catch (err) {
      if (!(err instanceof RetryGaveUpError)) throw err;
      throw this.toKeelError({ model: fallbackName, gaveUp: err }, primaryOutcome);
    }
  }

  private attempts(
    model: ChatOpenAI,
    name: string,
    messages: BaseMessage[],
    options: ModelInvokeOptions,
    call: CallContext,
  ): Promise<AIMessage> {
    const { signal } = call;
    const tools = options.tools?.map((tool) => ({
      type: "function" as const,
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
    return retryWithPolicy(
      async (attempt) => {
        // A retry is a new run for callbacks and tracing; reusing a caller-chosen run id would clash.
        const { runId, ...config } = options.config ?? {};
        const reply = await model.invoke(messages, {
          ...config,
          ...(attempt === 1 && runId !== undefined ? { runId } : {}),
          ...(signal === undefined ? {} : { signal }),
          ...(tools === undefined || tools.length === 0 ? {} : { tools }),
        });
        return toAIMessage(reply);
      },
      this.policy,
      {
        signal,
        deadline: call.deadline,
        onRetry: (info: RetryInfo) => {
          const event = retryEvent(name, info);
          this.logger?.warn(
            {
              event: "model_retry",
              ...call.log,
              model: name,
              attempt: event.attempt,
              reason: LOG_REASONS[event.reason],
              delay_ms: event.delayMs,
              ...(event.status === undefined ? {} : { status: event.status }),
              ...(event.retryAfterMs === undefined ? {} : { retry_after_ms: event.retryAfterMs }),
              ...(event.phase === undefined ? {} : { phase: event.phase }),
              elapsed_ms: Date.now() - call.started,
              error: event.message,
            },
            "retrying model call",
          );
          options.onRetry?.(event);
        },
      },
    );
  }

  private toKeelError(outcome: Outcome, primary?: Outcome): KeelError {
    const { gaveUp } = outcome;
    const failure = gaveUp.failure;
    const code = errorCodeFor(gaveUp);
    const message = primary ? `${this.describe(primary)}; fallback: ${this.describe(outcome)}` : this.describe(outcome);
    return new KeelError(code, message, {
      cause: gaveUp.cause,
      details: {
        endpoint: this.endpoint,
        model: outcome.model,
        attempts: gaveUp.attempts + (primary?.gaveUp.attempts ?? 0),
        elapsedMs: gaveUp.elapsedMs + (primary?.gaveUp.elapsedMs ?? 0),
        reason: failure.reason,
        /** Why retrying stopped: exhausted, rate_limit_patience, deadline, retry_after_too_long, not_retryable. */
        stop: gaveUp.stop,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
        ...(gaveUp.retryAt === undefined ? {} : { retryAt: gaveUp.retryAt.toISOString() }),
        ...(primary
          ? {
              primary: {
                model: primary.model,
                attempts: primary.gaveUp.attempts,
                reason: primary.gaveUp.failure.reason,
                ...(primary.gaveUp.failure.status === undefined ? {} : { status: primary.gaveUp.failure.status }),
              },
            }
          : {}),
      },
    });
  }

  /** e.g. "model endpoint http://127.0.0.1:4000/v1 (model gpt-4o-mini) returned 503 on 5 attempts over 2.1 s". */
  private describe({ model, gaveUp }: Outcome): string {
    const { failure, attempts, elapsedMs } = gaveUp;
    const who = `model endpoint ${this.endpoint} (model ${model})`;
    const detail = serverMessage(gaveUp.cause);
    if (gaveUp.stop === "retry_after_too_long" && failure.retryAfterMs !== undefined) {
      return `${who} is rate limited and asked to retry after ${formatSeconds(failure.retryAfterMs)}, longer than the ${formatSeconds(this.policy.maxRetryAfterMs)} Keel waits; retry after ${gaveUp.retryAt?.toISOString() ?? "that time"}`;
    }
    const times = `on ${attempts} attempt${attempts === 1 ? "" : "s"} over ${formatSeconds(elapsedMs)}`;
    if (gaveUp.stop === "rate_limit_patience") {
      const patienceMs = this.policy.rateLimitPatienceMs ?? 0;
      const patience = `the ${formatWait(patienceMs)} Keel waits out rate limits (MODEL_RATE_LIMIT_PATIENCE_MS)`;
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > 0) {
        return `${who} is rate limited (429) ${times} and asked to retry after ${formatSeconds(failure.retryAfterMs)}, which ${patience} does not cover; retry after ${gaveUp.retryAt?.toISOString() ?? "that time"}`;
      }
      return patienceMs === 0
        ? `${who} is rate limited (429) and MODEL_RATE_LIMIT_PATIENCE_MS is 0, so Keel does not wait it out`
        : `${who} was rate limited (429) ${times}, all of ${patience}`;
    }
    if (gaveUp.stop === "not_retryable") {
      if (failure.reason === "client_error")
        return `${who} rejected the request with ${failure.status ?? "an error"}: ${detail}${rejectionHint(failure.status)}`;
      if (failure.reason === "rate_limit") return `${who} refused with 429 and a retry will not help: ${detail}`;
      return `${who} failed: ${detail}`;
    }
    const fault = this.describeFault(who, failure, times, detail);
    if (gaveUp.stop === "deadline" && gaveUp.wait !== undefined) {
      return `${fault}; stopped retrying: the next attempt was due in ${formatWait(gaveUp.wait.delayMs)}, but only ${formatWait(gaveUp.wait.leftMs)} of the time budget was left`;
    }
    return fault;
  }

  private describeFault(who: string, failure: FailureClass, times: string, detail: string): string {
    switch (failure.reason) {
      case "stall":
        return `${who} went silent for ${this.cfg.stallMs} ms (MODEL_STALL_MS) ${times}`;
      case "timeout":
        return failure.status === undefined
          ? `${who} did not finish within ${this.cfg.timeoutMs} ms (MODEL_TIMEOUT_MS) ${times}`
          : `${who} returned ${failure.status} ${times}`;
      case "connection":
        return `${who} could not be reached (${detail}) ${times}`;
      default:
        return failure.status === undefined
          ? `${who} failed ${times}: ${detail}`
          : `${who} returned ${failure.status} ${times}`;
    }
  }
}

/** Waits can be a few milliseconds, which "0.0 s" would hide. */
function formatWait(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatSeconds(ms);
}

function errorCodeFor(gaveUp: RetryGaveUpError): ErrorCode {
  const { reason } = gaveUp.failure;
  if (gaveUp.stop === "not_retryable" && reason === "client_error") return "model_rejected";
  if (
    (gaveUp.stop === "exhausted" || gaveUp.stop === "deadline") &&
    (reason === "stall" || (reason === "timeout" && gaveUp.failure.status === undefined))
  ) {
    return "model_timeout";
  }
  return "model_unavailable";
}

function rejectionHint(status: number | undefined): string {
  if (status === 401 || status === 403) return " (check OPENAI_API_KEY)";
  if (status === 404) return " (check MODEL and OPENAI_BASE_URL)";
  return "";
}

/** The most specific human-readable message: the API's own error text, else the root cause's. */
function serverMessage(err: unknown): string {
  const apiMessage = (err as { error?: { message?: unknown } } | undefined)?.error?.message;
  if (typeof apiMessage === "string" && apiMessage !== "") return apiMessage;
  let current: unknown = err;
  let message = "";
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    message = current.message.split("\n")[0] ?? message;
    current = current.cause;
  }
  return message || String(err);
}

function retryEvent(model: string, info: RetryInfo): ModelRetryEvent {
  return {
    model,
    attempt: info.attempt,
    delayMs: info.delayMs,
    reason: info.failure.reason,
    ...(info.failure.status === undefined ? {} : { status: info.failure.status }),
    ...(info.failure.retryAfterMs === undefined ? {} : { retryAfterMs: info.failure.retryAfterMs }),
    ...phaseOf(info.error),
    message: serverMessage(info.error),
  };
}

/** Where a stall or deadline struck: our deadline error sits somewhere down the cause chain. */
function phaseOf(err: unknown): { phase?: DeadlinePhase } {
  let current: unknown = err;
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    if (current instanceof ModelDeadlineError) return { phase: current.phase };
    current = current.cause;
  }
  return {};
}

/**
 * The thread, caller and node of a call, from the node's config as LangGraph passes it: the thread
 * in `configurable`, the caller in `context` (else the run's metadata, as the API server sets it).
 */
function logContext(config: RunnableConfig | undefined): Record<string, string> {
  const metadata = config?.metadata ?? {};
  const context = (config as { context?: { userId?: unknown } } | undefined)?.context;
  const fields: Record<string, unknown> = {
    thread_id: config?.configurable?.thread_id ?? metadata.thread_id,
    user_id: context?.userId ?? metadata.user_id,
    node: metadata.langgraph_node,
  };
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

function combineSignals(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const unique = [...new Set(signals.filter((s): s is AbortSignal => s !== undefined))];
  if (unique.length <= 1) return unique[0];
  return AbortSignal.any(unique);
}

/** Streaming yields an AIMessageChunk; callers and checkpoints get a plain AIMessage. */
function toAIMessage(message: BaseMessage): AIMessage {
  if (!AIMessageChunk.isInstance(message)) {
    if (AIMessage.isInstance(message)) return message;
    throw new KeelError("model_unavailable", `model returned a ${message.getType()} message instead of an AI message`);
  }
  const reply = new AIMessage({
    content: message.content,
    ...(message.id === undefined ? {} : { id: message.id }),
    ...(message.name === undefined ? {} : { name: message.name }),
    tool_calls: message.tool_calls ?? [],
    invalid_tool_calls: message.invalid_tool_calls ?? [],
    response_metadata: message.response_metadata,
    ...(message.usage_metadata === undefined ? {} : { usage_metadata: message.usage_metadata }),
  });
  // Set after construction: the constructor prints an upgrade warning when the raw tool calls are
  // all malformed. They are kept because ChatOpenAI replays them, so later tool results still match.
  reply.additional_kwargs = message.additional_kwargs;
  return reply;
}
