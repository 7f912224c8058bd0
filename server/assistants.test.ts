import { describe, expect, it } from "vitest";
import { assistantsFor, findAssistant, uuid5 } from "./assistants.js";

describe("assistants", () => {
  it("derives version-5 UUIDs (RFC 4122 test vector: DNS namespace, www.example.com)", () => {
    expect(uuid5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });

  it("finds the graph's assistant by graph id or UUID, and nothing else", () => {
    const all = assistantsFor(["agent"], new Date(0));
    const [agent] = all;
    expect(findAssistant(all, "agent")).toBe(agent);
    expect(findAssistant(all, agent!.assistant_id)).toBe(agent);
    expect(agent!.assistant_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(findAssistant(all, "other")).toBeUndefined();
  });
});
