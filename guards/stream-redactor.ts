import { findPii } from "./pii/index.js";

/**
 * Redacts a token stream as it arrives. The newest `holdBack` characters stay buffered because
 * a value may still be growing there; the emitted prefix ends at a whitespace that no detected span
 * crosses, so a value is never split between what was shown and what is still held.
 */
export class StreamRedactor {
  private buffer = "";

  constructor(
    private readonly redactText: (text: string) => string,
    private readonly holdBack = 256,
  ) {}

  push(chunk: string): string {
    this.buffer += chunk;
    if (this.buffer.length <= this.holdBack) return "";
    const cut = this.safeCut(this.buffer.length - this.holdBack);
    if (cut <= 0) return "";
    const ready = this.buffer.slice(0, cut);
    this.buffer = this.buffer.slice(cut);
    return this.redactText(ready);
  }

  /** The rest, at the end of the stream. */
  end(): string {
    const rest = this.buffer;
    this.buffer = "";
    return rest ? this.redactText(rest) : "";
  }

  private safeCut(limit: number): number {
    const spans = findPii(this.buffer);
    for (let cut = limit; cut > 0; cut--) {
      if (!/\s/.test(this.buffer[cut - 1]!)) continue;
      if (spans.every((s) => s.end <= cut || s.start >= cut)) return cut;
    }
    return 0;
  }
}
