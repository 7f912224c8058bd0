import { describe, expect, it } from "vitest";
import { redact } from "./index.js";

const text = "Mail jane.doe@example.com, card 4111-1111-1111-1111, call +1 415 555 0132, ssn 078-05-1123";

describe("redact", () => {
  it("replaces spans with typed placeholders by default and returns the spans it replaced", () => {
    const out = redact(text);
    expect(out.text).toBe("Mail [EMAIL], card [CREDIT_CARD], call [PHONE], ssn [US_SSN]");
    expect(out.spans.map((s) => text.slice(s.start, s.end))).toEqual([
      "jane.doe@example.com",
      "4111-1111-1111-1111",
      "+1 415 555 0132",
      "078-05-1123",
    ]);
  });

  it("leaves text without findings untouched", () => {
    expect(redact("nothing to see here")).toEqual({ text: "nothing to see here", spans: [] });
  });

  it("masks while keeping a little for humans", () => {
    expect(redact(text, { strategy: "mask" }).text).toBe(
      "Mail j***@example.com, card ****-****-****-1111, call +* *** *** 0132, ssn ***-**-1123",
    );
    expect(redact("iban GB82 WEST 1234 5698 7654 32 at 192.168.7.9", { strategy: "mask" }).text).toBe(
      "iban GB** **** **** **** **54 32 at 192.*.*.*",
    );
  });

  it("never reveals a short secret or a secret's length when masking", () => {
    expect(redact('password="hunter2!x"', { strategy: "mask" }).text).toBe('password="********"');
    expect(redact('password="a-much-longer-pass-phrase!"', { strategy: "mask" }).text).toBe('password="a-mu********"');
  });

  it("hashes to stable keyed tokens: same value, same token; other key, other token", () => {
    const a = redact("a@x.example and A@X.example, b@x.example", { strategy: "hash", hashKey: "k1" }).text;
    const [first, second, third] = a.match(/\[EMAIL:[0-9a-f]{8}\]/g) ?? [];
    expect(first).toBeDefined();
    expect(second).toBe(first); // e-mail addresses compare case-insensitively
    expect(third).not.toBe(first);
    expect(redact("a@x.example", { strategy: "hash", hashKey: "k1" }).text).toBe(first);
    expect(redact("a@x.example", { strategy: "hash", hashKey: "k2" }).text).not.toBe(first);
  });

  it("hashes spelling variants of one card to one token", () => {
    const out = redact("4111 1111 1111 1111 / 4111-1111-1111-1111", { strategy: "hash", hashKey: "k" }).text;
    const [x, y] = out.split(" / ");
    expect(x).toMatch(/^\[CREDIT_CARD:[0-9a-f]{8}\]$/);
    expect(y).toBe(x);
  });

  it("uses a per-process key when none is given (stable within the process)", () => {
    const one = redact("a@x.example", { strategy: "hash" }).text;
    expect(redact("a@x.example", { strategy: "hash" }).text).toBe(one);
    expect(one).not.toBe(redact("a@x.example", { strategy: "hash", hashKey: "k1" }).text);
  });

  it("replaces caller-given spans, ignoring overlapping and out-of-range ones", () => {
    const out = redact("abcdefghij", {
      spans: [
        { start: 6, end: 8, type: "SECRET" },
        { start: 1, end: 3, type: "EMAIL" },
        { start: 2, end: 5, type: "PHONE" },
        { start: 9, end: 40, type: "SECRET" },
      ],
    });
    expect(out.text).toBe("a[EMAIL]def[SECRET]i[SECRET]");
    expect(out.spans).toEqual([
      { start: 1, end: 3, type: "EMAIL" },
      { start: 6, end: 8, type: "SECRET" },
      { start: 9, end: 10, type: "SECRET" },
    ]);
  });

  it("limits redaction to the requested types", () => {
    expect(redact(text, { types: ["EMAIL"] }).text).toBe(
      "Mail [EMAIL], card 4111-1111-1111-1111, call +1 415 555 0132, ssn 078-05-1123",
    );
  });

  it("finds nothing new in its own output", () => {
    const once = redact(`${text} token=Zq8kLm2pRt5vXw9yB3nC`).text;
    expect(redact(once).spans).toEqual([]);
  });
});

describe("redact: kept values", () => {
  it("leaves listed values wherever they occur and redacts the rest", () => {
    const text = "listening on http://10.1.2.3:8080, client 10.9.8.7";
    expect(redact(text, { keep: ["10.1.2.3"] }).text).toBe("listening on http://10.1.2.3:8080, client [IP_ADDRESS]");
    expect(redact(text).text).toBe("listening on http://[IP_ADDRESS]:8080, client [IP_ADDRESS]");
  });
});
