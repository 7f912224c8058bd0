import type { BaseMessage } from "@langchain/core/messages";

/** Plain text of a message whatever its content shape (string or content blocks). */
export function messageText(message: BaseMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  return content
    .map((block) =>
      typeof block === "string" ? block : block.type === "text" && typeof block.text === "string" ? block.text : "",
    )
    .join("");
}
