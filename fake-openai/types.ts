/**
 * Shapes shared by the fake OpenAI-compatible server, its scripts and its responders.
 * Request types are deliberately loose: the fake must accept whatever a real client sends.
 */

/** A message as it arrives in a chat-completions request body. */
export interface FakeChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool" | (string & {});
  content?: string | { type: string; text?: string }[] | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: { id: string; type?: string; function: { name: string; arguments: string } }[];
}

/** A tool offered to the model, in the OpenAI function-tool format. */
export interface FakeChatTool {
  type: string;
  function?: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** The parsed body of `POST /v1/chat/completions`. */
export interface FakeChatRequest {
  model: string;
  messages: FakeChatMessage[];
  tools?: FakeChatTool[];
  tool_choice?: unknown;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  response_format?: { type: string; json_schema?: unknown } | null;
  temperature?: number;
  [key: string]: unknown;
}

/** Every chat-completions body the server received, parsed, in arrival order. */
export type RecordedRequest = FakeChatRequest;

export interface FakeToolCall {
  /** Defaults to a fresh unique `call_…` id. */
  id?: string;
  name: string;
  /** An object is sent as JSON; a string is sent verbatim, so malformed JSON can be injected. */
  arguments: Record<string, unknown> | string;
}

export interface FakeUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/** A well-formed answer: text, tool calls, or both. */
export interface FakeAnswer {
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Overrides the estimated token counts. */
  usage?: FakeUsage;
}

/** Wire-level failures; each behaves on the socket the way a real outage does. */
export type FakeFault =
  | { fault: "rate_limit"; retryAfterSeconds?: number }
  | { fault: "server_error"; status?: 500 | 502 | 503 }
  | { fault: "bad_request"; status?: 400 | 401 | 404; message?: string }
  /** Destroy the socket without answering. */
  | { fault: "reset" }
  /** Accept the request and never send headers. */
  | { fault: "hang" }
  /** Send headers and the first part of `reply`, then go silent forever. */
  | { fault: "stall"; reply: FakeAnswer };

export type FakeReply = FakeAnswer | FakeFault;

export type Responder = (request: FakeChatRequest, call: { index: number }) => FakeReply | Promise<FakeReply>;

export function isFault(reply: FakeReply): reply is FakeFault {
  return "fault" in reply;
}
