import { findPii } from "./find.js";
import { hashToken } from "./hash.js";
import { redact, replacer, type RedactOptions } from "./redact.js";
import { classifyName } from "./secret/names.js";

export interface RedactDeepOptions extends Omit<RedactOptions, "spans"> {
  /** Nesting depth below which values are replaced by "[MAX_DEPTH]" (default 32). */
  maxDepth?: number;
  /** Extra field names (case-insensitive) whose values are always replaced. */
  secretKeys?: readonly string[];
}

const DEFAULT_MAX_DEPTH = 32;
const ALWAYS_SECRET = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);
// Integers this long may be card, phone or SSN numbers stored as numbers.
const NUMERIC_PII_DIGITS = 9;

/**
 * A redacted copy of a log line or trace payload. Strings are redacted wherever they are, and so
 * are object keys and long integers; the value of any field named like a secret ("password",
 * "apiKey", "authorization", "client_secret", "x-api-key"…) is replaced whatever it looks like,
 * objects included. Booleans, null and undefined are kept (they hold no secret). Shared and
 * cyclic references are copied once and stay shared/cyclic in the copy; nesting deeper than
 * `maxDepth` becomes "[MAX_DEPTH]". Class instances are copied as plain objects of their own
 * enumerable properties (as JSON.stringify sees them, `toJSON` included); errors stay errors.
 */
export function redactDeep(value: unknown, options: RedactDeepOptions = {}): unknown {
  const extra = new Set((options.secretKeys ?? []).map((k) => k.toLowerCase()));
  const walker = new Walker(options, extra);
  return walker.walk(value, 0);
}

class Walker {
  private readonly seen = new WeakMap<object, unknown>();
  private readonly maxDepth: number;
  private readonly secretValue: (value: unknown) => string;

  constructor(
    private readonly options: RedactDeepOptions,
    private readonly extraKeys: Set<string>,
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    const replace = replacer(options);
    this.secretValue = (v) =>
      options.strategy === "hash"
        ? `[SECRET:${hashToken("SECRET", stringify(v), options.hashKey)}]`
        : replace("SECRET", typeof v === "string" ? v : "");
  }

  walk(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case "string":
        return this.text(value);
      case "number":
        return Number.isInteger(value) ? this.integer(value, String(Math.abs(value))) : value;
      case "bigint":
        return this.integer(value, (value < 0n ? -value : value).toString());
      case "object":
        if (value === null) return value;
        return this.object(value, depth);
      default:
        return value; // boolean, undefined, symbol, function
    }
  }

  private text(s: string): string {
    return redact(s, this.options).text;
  }

  /** A number that is entirely one detected value (a card or phone stored as a number). */
  private integer(value: number | bigint, digits: string): unknown {
    if (digits.length < NUMERIC_PII_DIGITS) return value;
    const spans = findPii(digits, this.options);
    const whole = spans.length === 1 && spans[0]?.start === 0 && spans[0].end === digits.length;
    return whole && spans[0] ? this.text(digits) : value;
  }

  private object(value: object, depth: number): unknown {
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (depth >= this.maxDepth) return "[MAX_DEPTH]";
    if (value instanceof Date) return new Date(value.getTime());
    if (value instanceof RegExp || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;

    if (Array.isArray(value)) {
      const out: unknown[] = [];
      this.seen.set(value, out);
      for (const item of value) out.push(this.walk(item, depth + 1));
      return out;
    }
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      this.seen.set(value, out);
      for (const [k, v] of value) {
        const secret = typeof k === "string" && this.isSecretKey(k);
        out.set(this.walk(k, depth + 1), secret ? this.replaceSecret(v) : this.walk(v, depth + 1));
      }
      return out;
    }
    if (value instanceof Set) {
      const out = new Set<unknown>();
      this.seen.set(value, out);
      for (const v of value) out.add(this.walk(v, depth + 1));
      return out;
    }
    if (value instanceof Error) return this.error(value, depth);

    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === "function") {
      const plain: unknown = json.call(value);
      if (plain !== value) {
        const out = this.walk(plain, depth);
        this.seen.set(value, out);
        return out;
      }
    }
    const out: Record<string, unknown> = {};
    this.seen.set(value, out);
    this.copyFields(value, out, depth);
    return out;
  }

  private error(err: Error, depth: number): Error {
    const out = Object.create(Object.getPrototypeOf(err) as object) as Error;
    this.seen.set(err, out);
    for (const field of ["name", "message", "stack"] as const) {
      const v = err[field];
      if (typeof v === "string")
        Object.defineProperty(out, field, { value: this.text(v), writable: true, configurable: true });
    }
    if (err.cause !== undefined) out.cause = this.walk(err.cause, depth + 1);
    this.copyFields(err, out as unknown as Record<string, unknown>, depth);
    return out;
  }

  private copyFields(from: object, to: Record<string, unknown>, depth: number): void {
    for (const [k, v] of Object.entries(from)) {
      const key = this.text(k);
      to[key] = this.isSecretKey(k) ? this.replaceSecret(v) : this.walk(v, depth + 1);
    }
  }

  private replaceSecret(v: unknown): unknown {
    if (v === null || v === undefined || typeof v === "boolean") return v;
    return this.secretValue(v);
  }

  /** Field names that hold secrets: the same rules as for "name = value" in text. */
  private isSecretKey(key: string): boolean {
    const lower = key.toLowerCase();
    if (ALWAYS_SECRET.has(lower) || this.extraKeys.has(lower)) return true;
    const tier = key.length <= 64 ? classifyName(key) : undefined;
    return tier === "password" || tier === "secret";
  }
}

/** A stable string form of any value, for hashing values held under secret keys. */
function stringify(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
