import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { Client } from "langsmith";
import type { KeelConfig } from "./config.js";

export interface Tracing {
  /** Callbacks for a run's config; LangChain adds no default tracer when one is present. */
  callbacks: LangChainTracer[];
  /** Waits for pending traces, at most the configured deadline; never throws. */
  flush(): Promise<void>;
}

type KVMap = Record<string, unknown>;

/**
 * LangSmith tracing whose inputs and outputs pass through `redact` before they leave the process.
 * Without tracing enabled it is inert, so callers need no branches.
 */
export function createTracing(config: KeelConfig["tracing"], redact: (value: unknown) => unknown): Tracing {
  if (!config.enabled) return { callbacks: [], flush: async () => undefined };
  const hide = (value: KVMap): KVMap => redact(value) as KVMap;
  const client = new Client({
    ...(config.endpoint ? { apiUrl: config.endpoint } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    hideInputs: hide,
    hideOutputs: hide,
  });
  const tracer = new LangChainTracer({ client, projectName: config.project });
  return {
    callbacks: [tracer],
    flush: async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, config.flushTimeoutMs);
        timer.unref();
      });
      await Promise.race([client.awaitPendingTraceBatches().catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}
