import { z } from "zod";
import { defineTool } from "./define.js";
import { ToolError } from "./errors.js";

/**
 * The demo side effect: a message queued in the `keel_outbox` table. A real fork would hand the
 * row to a mailer; the approval gate in front of it is the point, and so is the idempotency key:
 * the row and its key commit together, so a step that runs again finds the row instead of adding one.
 */
export const outboxSend = defineTool({
  name: "outbox_send",
  description: "Queue a short message to a recipient. A human reviews every message before it is queued.",
  schema: z.object({
    to: z.email().describe("Recipient email address"),
    subject: z.string().min(1).max(200),
    body: z.string().min(1).max(5_000),
  }),
  // egress: the message leaves the system, so a secret in it is refused even if a human approves.
  policy: { risk: "write", egress: true, roles: ["member", "admin"], needsApproval: true, timeoutMs: 5_000 },
  handler: async ({ to, subject, body }, ctx) => {
    const pool = await ctx.db();
    const inserted = await pool.query<{ id: string }>(
      `INSERT INTO keel_outbox (thread_id, user_id, to_address, subject, body, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
      [ctx.threadId, ctx.userId, to, subject, body, ctx.idempotencyKey],
    );
    if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), to };
    // This call already ran: answer with its first result, and never queue a different message under it.
    const { rows } = await pool.query<{ id: string; to_address: string; subject: string; body: string }>(
      "SELECT id, to_address, subject, body FROM keel_outbox WHERE idempotency_key = $1",
      [ctx.idempotencyKey],
    );
    const first = rows[0];
    if (!first) throw new ToolError("outbox row vanished between insert and lookup");
    if (first.to_address !== to || first.subject !== subject || first.body !== body) {
      throw new ToolError(
        `This tool call already queued message ${first.id} to ${first.to_address} with different content; nothing new was queued.`,
        { retryable: false, suggestion: "Tell the user the original message was already queued." },
      );
    }
    return { id: Number(first.id), to };
  },
});
