import { GuardOptionsSchema, type GuardOptions } from "../guards/index.js";
import { redact, redactDeep } from "../guards/pii/index.js";
import { StreamRedactor } from "../guards/stream-redactor.js";
import type { SseEvent } from "./sse.js";

/**
 * What leaves the API, redacted at one place. Two levels, because clients need different things:
 *
 * - What the model wrote and what tools returned (the `content` of AI and tool messages) is
 *   redacted like the stored final answer: PII and secrets, with GUARD_REDACTION's strategy.
 * - Everything else (the caller's own messages, tool-call arguments, approval requests, metadata)
 *   has secrets redacted but keeps PII: a human approving `outbox_send` must see the address.
 *
 * Streamed tokens are held back per message like the terminal client does (StreamRedactor), so a
 * secret split across chunks is never sent in pieces.
 */
export interface OutputRedactor {
  /** A redacted copy of a JSON value (state, history, a run's values, a thread). */
  json<T>(value: T): T;
  /** A redactor for one client's event stream (it holds streamed tokens back, so one per stream). */
  stream(): SseRedactor;
}

export interface SseRedactor {
  /** The events to send for `event` (none while tokens are held back, more when they are released). */
  push(event: SseEvent): SseEvent[];
  /** What is still held back, at the end of the stream. */
  end(): SseEvent[];
}

type Json = Record<string, unknown>;

const MODEL_OUTPUT_TYPES = new Set(["ai", "AIMessage", "AIMessageChunk", "tool", "ToolMessage", "ToolMessageChunk"]);

/** Defines rather than assigns: a parsed `"__proto__"` key stays an own property, never a prototype. */
const put = (to: Json, key: string, value: unknown) =>
  Object.defineProperty(to, key, { value, enumerable: true, writable: true, configurable: true });

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A message dict as the engine serialises it, written by the model or a tool. */
const isModelOutput = (v: Json): boolean =>
  typeof v.type === "string" && MODEL_OUTPUT_TYPES.has(v.type) && "content" in v;

/** With the guards' strategy and key (GUARD_REDACTION, GUARD_HASH_KEY), like the stored answer. */
export function createOutputRedactor(options: Pick<GuardOptions, "redaction" | "hashKey"> = {}): OutputRedactor {
  const settings = GuardOptionsSchema.parse({ redaction: options.redaction, hashKey: options.hashKey || undefined });
  const base = { strategy: settings.redaction, ...(settings.hashKey ? { hashKey: settings.hashKey } : {}) };
  const fullText = (text: string) => redact(text, base).text;
  const secretsText = (text: string) => redact(text, { ...base, types: ["SECRET"] }).text;
  const full = (value: unknown) => redactDeep(value, base);
  const secretsDeep = (value: unknown) => redactDeep(value, { ...base, types: ["SECRET"] });
  /**
   * Secrets in every string and key, and any value named like a secret ("password", "api_key"); a
   * nested object under such a name is walked rather than replaced, so `input_token_details`
   * (usage counts) keeps its shape.
   */
  const secretsOnly = (value: unknown, depth = 0): unknown => {
    if (depth > 64) return secretsDeep(value);
    if (Array.isArray(value)) return value.map((v) => secretsOnly(v, depth + 1));
    if (!isObject(value)) return secretsDeep(value);
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      const key = secretsText(k);
      put(
        out,
        key,
        typeof v === "object" && v !== null ? secretsOnly(v, depth + 1) : (secretsDeep({ [k]: v }) as Json)[k],
      );
    }
    return out;
  };

  /** Pass one: model and tool message contents fully redacted; pass two (below) covers the rest. */
  const contents = (value: unknown, depth = 0): unknown => {
    if (depth > 64) return value;
    if (Array.isArray(value)) return value.map((v) => contents(v, depth + 1));
    if (!isObject(value)) return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) put(out, k, contents(v, depth + 1));
    if (isModelOutput(value)) {
      out.content = full(value.content);
      // A tool message's artifact is the tool's result as data: redacted like its text.
      if ("artifact" in value) out.artifact = full(value.artifact);
    }
    return out;
  };
  const json = <T>(value: T): T => secretsOnly(contents(value)) as T;

  return { json, stream: () => new MessageStreamRedactor(json, fullText, secretsText) };
}

/** Event names carrying message chunks: `messages` (messages-tuple), with a subgraph suffix or not. */
const isTupleEvent = (name: string) => name === "messages" || name.startsWith("messages|");

class MessageStreamRedactor implements SseRedactor {
  /** Held-back text per message id; tool-call arguments per message id and call index. */
  private readonly texts = new Map<string, { redactor: StreamRedactor; last: Json; meta: unknown; event: string }>();
  private readonly args = new Map<string, StreamRedactor>();
  /** messages/partial carries the whole message so far: what was released of it, per id. */
  private readonly partial = new Map<string, { redactor: StreamRedactor; shown: string; seen: number }>();

  constructor(
    private readonly json: <T>(value: T) => T,
    private readonly fullText: (text: string) => string,
    private readonly secretsText: (text: string) => string,
  ) {}

  push(event: SseEvent): SseEvent[] {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      // Every event this server relays is JSON; anything else is dropped rather than sent raw.
      return [];
    }
    if (isTupleEvent(event.event) && Array.isArray(data) && isObject(data[0])) {
      return this.tuple(event.event, data[0], data[1]);
    }
    if (event.event === "messages/partial" && Array.isArray(data)) {
      return [
        {
          event: event.event,
          data: JSON.stringify((data as unknown[]).map((m) => (isObject(m) ? this.partialOf(m) : this.json(m)))),
        },
      ];
    }
    if (event.event === "messages/complete") this.partial.clear();
    // A step ended (values/updates are always produced): every streamed message of it is complete.
    const released = event.event === "values" || event.event === "updates" ? this.end() : [];
    return [...released, { event: event.event, data: JSON.stringify(this.json(data)) }];
  }

  end(): SseEvent[] {
    const out: SseEvent[] = [];
    for (const id of [...this.texts.keys()]) out.push(...this.release(id));
    return out;
  }

  /** One token chunk: its text and tool-call argument pieces are held back, the rest redacted. */
  private tuple(name: string, chunk: Json, meta: unknown): SseEvent[] {
    const id = typeof chunk.id === "string" ? chunk.id : "";
    if (chunk.type !== "ai" && !String(chunk.type).startsWith("AI")) {
      return [{ event: name, data: JSON.stringify(this.json([chunk, meta])) }];
    }
    let held = this.texts.get(id);
    if (!held)
      this.texts.set(id, (held = { redactor: new StreamRedactor(this.fullText), last: chunk, meta, event: name }));
    held.last = chunk;
    held.meta = meta;
    const out: Json = { ...chunk };
    if (typeof chunk.content === "string") out.content = held.redactor.push(chunk.content);
    if (Array.isArray(chunk.tool_call_chunks)) {
      out.tool_call_chunks = chunk.tool_call_chunks.map((c: unknown) => {
        if (!isObject(c) || typeof c.args !== "string") return c;
        const key = `${id}\u0000${typeof c.index === "number" ? c.index : 0}`;
        let r = this.args.get(key);
        if (!r) this.args.set(key, (r = new StreamRedactor(this.secretsText)));
        return { ...c, args: r.push(c.args) };
      });
      // Parsed from this chunk's own argument piece: would repeat what is held back.
      out.tool_calls = [];
      out.invalid_tool_calls = [];
    }
    // The provider's raw deltas (OpenAI: `function.arguments` pieces) repeat them as well.
    if (isObject(chunk.additional_kwargs) && "tool_calls" in chunk.additional_kwargs) {
      const { tool_calls: _raw, ...rest } = chunk.additional_kwargs;
      out.additional_kwargs = rest;
    }
    const events = [{ event: name, data: JSON.stringify(this.json([out, meta])) }];
    const finished = isObject(chunk.response_metadata) && chunk.response_metadata.finish_reason != null;
    return finished || chunk.chunk_position === "last" ? [...events, ...this.release(id)] : events;
  }

  /** What is held back of one message, as one more chunk of it (no usage, so totals do not double). */
  private release(id: string): SseEvent[] {
    const held = this.texts.get(id);
    if (!held) return [];
    this.texts.delete(id);
    const content = held.redactor.end();
    const prefix = `${id}\u0000`;
    const toolCallChunks: Json[] = [];
    for (const [key, r] of [...this.args]) {
      if (!key.startsWith(prefix)) continue;
      this.args.delete(key);
      const args = r.end();
      if (args) toolCallChunks.push({ index: Number(key.slice(prefix.length)), args, type: "tool_call_chunk" });
    }
    if (!content && toolCallChunks.length === 0) return [];
    const chunk = {
      type: held.last.type,
      id: held.last.id,
      content,
      additional_kwargs: {},
      response_metadata: {},
      tool_call_chunks: toolCallChunks,
      tool_calls: [],
      invalid_tool_calls: [],
    };
    return [{ event: held.event, data: JSON.stringify(this.json([chunk, held.meta])) }];
  }

  /**
   * An accumulated message: only its released, redacted text is shown; the part still held back
   * follows in later partials and in messages/complete (redacted whole).
   */
  private partialOf(message: Json): unknown {
    const id = typeof message.id === "string" ? message.id : "";
    if (typeof message.content !== "string") return this.json(message);
    let state = this.partial.get(id);
    if (!state) this.partial.set(id, (state = { redactor: new StreamRedactor(this.fullText), shown: "", seen: 0 }));
    state.shown += state.redactor.push(message.content.slice(state.seen));
    state.seen = message.content.length;
    return this.json({
      ...message,
      content: state.shown,
      tool_calls: [],
      tool_call_chunks: [],
      invalid_tool_calls: [],
    });
  }
}
