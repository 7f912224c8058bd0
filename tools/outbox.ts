import { z } from "zod";
import { defineTool } from "./define.js";

/**
 * The demo side effect: a message queued in the `keel_outbox` table. A real fork would hand the
 * row to a mailer; the approval gate in front of it is the point.
 */
export const outboxSend = defineTool({
  name: "outbox_send",
  description: "Queue a short message to a recipient. A human reviews every message before it is queued.",
  schema: z.object({
    to: z.email().describe("Recipient email address"),
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(5_000),
  }),
  policy: { risk: "write", roles: ["member", "admin"], needsApproval: true, timeoutMs: 5_000 },
  handler: async ({ to, subject, body }, ctx) => {
    const pool = await ctx.db();
    const { rows } = await pool.query<{ id: string }>(
      "INSERT INTO keel_outbox (thread_id, user_id, to_address, subject, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
      [ctx.threadId, ctx.userId, to, subject, body],
    );
    return { id: Number(rows[0]?.id), to };
  },
});
