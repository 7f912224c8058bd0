import { describe, expect, it } from "vitest";
import { findPii } from "./index.js";

const emails = (text: string) => findPii(text, { types: ["EMAIL"] }).map((s) => text.slice(s.start, s.end));

describe("EMAIL", () => {
  it("finds addresses in prose, with sub-domains, tags and punycode", () => {
    expect(emails("Write to jane.doe+news@mail.example.co.uk, or j_o@xn--80ak6aa92e.com.")).toEqual([
      "jane.doe+news@mail.example.co.uk",
      "j_o@xn--80ak6aa92e.com",
    ]);
  });

  it("does not take sentence punctuation or surrounding brackets", () => {
    expect(emails("(info@presidio.site).")).toEqual(["info@presidio.site"]);
  });

  it("rejects look-alikes: no dot in the domain, numeric TLD, empty parts, handles", () => {
    for (const text of [
      "my email is info@presidio.",
      "user@localhost",
      "ssh root@10.0.0.1",
      "@handle",
      "a@.com",
      "a@b.c",
    ]) {
      expect(emails(text)).toEqual([]);
    }
  });

  it("does not report a local part longer than the 64-character limit", () => {
    expect(emails(`${"a".repeat(65)}@example.com`)).toEqual([]);
    expect(emails(`${"a".repeat(64)}@example.com`)).toHaveLength(1);
  });
});
