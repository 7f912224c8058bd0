import { z } from "zod";
import { defineTool } from "./define.js";
import { ToolError } from "./errors.js";

/** Models do not know the date; this tells them, in any IANA time zone. */
export const currentTime = defineTool({
  name: "current_time",
  description: "The current date and time, in UTC and optionally in an IANA time zone such as Europe/Paris.",
  schema: z.object({
    timeZone: z.string().min(1).max(64).optional().describe("IANA time zone, e.g. America/New_York"),
  }),
  policy: { risk: "read", timeoutMs: 1_000 },
  handler: async ({ timeZone }) => {
    const now = new Date();
    let local: string | undefined;
    if (timeZone) {
      try {
        local = new Intl.DateTimeFormat("en-CA", {
          timeZone,
          dateStyle: "full",
          timeStyle: "long",
        }).format(now);
      } catch {
        throw new ToolError(`Unknown time zone "${timeZone}".`, {
          suggestion: "Use an IANA name such as Europe/Paris, or omit it for UTC.",
        });
      }
    }
    return { utc: now.toISOString(), ...(timeZone ? { timeZone, local } : {}) };
  },
});
