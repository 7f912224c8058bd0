import { describe, expect, it } from "vitest";
import { createGuards } from "./index.js";
import { StreamRedactor } from "./stream-redactor.js";

const redactText = createGuards().redactText;

function streamed(text: string, chunkSize: number, holdBack = 32): string {
  const redactor = new StreamRedactor(redactText, holdBack);
  let out = "";
  for (let i = 0; i < text.length; i += chunkSize) out += redactor.push(text.slice(i, i + chunkSize));
  return out + redactor.end();
}

describe("StreamRedactor", () => {
  const text =
    "Here is the summary you asked for. The customer is jane.doe@example.com and paid with 4111 1111 1111 1111 " +
    "yesterday; the deploy key is sk-proj-Zx81kLq0Vw3mT7rB2nY5cH9dJ4fG6sA1eU8iO0pQ and nothing else was shared.";

  it.each([1, 3, 7, 50])("tokens of %i characters: the output equals redacting the whole text", (size) => {
    const out = streamed(text, size);
    expect(out).toBe(redactText(text));
    expect(out).not.toContain("jane.doe@example.com");
    expect(out).not.toContain("4111");
    expect(out).not.toContain("sk-proj");
  });

  it("emits text while the stream is still running", () => {
    const redactor = new StreamRedactor(redactText, 16);
    const early = redactor.push("word ".repeat(20));
    expect(early.length).toBeGreaterThan(0);
  });
});
