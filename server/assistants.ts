import { createHash } from "node:crypto";

/** LangGraph Platform's namespace for assistant ids derived from graph ids, so SDK code ports unchanged. */
const GRAPH_NAMESPACE = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/** RFC 4122 version-5 UUID (SHA-1, name-based). */
export function uuid5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const bytes = createHash("sha1")
    .update(Buffer.concat([ns, Buffer.from(name, "utf8")]))
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface Assistant {
  assistant_id: string;
  graph_id: string;
  name: string;
  description: string | null;
  config: Record<string, unknown>;
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One built-in assistant per graph, addressable by graph id or by its derived UUID. */
export function assistantsFor(graphIds: readonly string[], startedAt: Date): Assistant[] {
  return graphIds.map((graphId) => ({
    assistant_id: uuid5(graphId, GRAPH_NAMESPACE),
    graph_id: graphId,
    name: graphId,
    description: null,
    config: {},
    context: {},
    metadata: { created_by: "system" },
    version: 1,
    created_at: startedAt.toISOString(),
    updated_at: startedAt.toISOString(),
  }));
}

export function findAssistant(assistants: readonly Assistant[], id: string): Assistant | undefined {
  return assistants.find((a) => a.assistant_id === id || a.graph_id === id);
}
