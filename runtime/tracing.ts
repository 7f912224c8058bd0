import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import type { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { Client } from "langsmith";
import type { KeelConfig } from "./config.js";
import { KeelTracer } from "./keel-tracer.js";

export interface Tracing {
  /** Callbacks for a run's config; LangChain adds no default tracer when one is present. */
  callbacks: LangChainTracer[];
  /** Waits for pending traces, at most the configured deadline; never throws. */
  flush(): Promise<void>;
}

type KVMap = Record<string, unknown>;

/**
 * LangSmith tracing whose inputs, outputs, metadata and error messages pass through `redact`
 * before they leave the process; root runs end with cost, tokens, stop reason and guard flags in
 * their metadata. Without tracing enabled it is inert, so callers need no branches.
 */
export function createTracing(config: KeelConfig["tracing"], redact: (value: unknown) => unknown): Tracing {
  if (!config.enabled) return { callbacks: [], flush: async () => undefined };
  const hide = (value: KVMap): KVMap => redact(value) as KVMap;
  const client = new Client({
    ...(config.endpoint ? { apiUrl: config.endpoint } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    hideInputs: hide,
    hideOutputs: hide,
    // Metadata carries caller ids and whatever callers add.
    hideMetadata: hide,
    // Run errors can quote inputs. With the hide functions set, the client uses this for errors only.
    anonymizer: hide,
  });
  const tracer = new KeelTracer({ client, projectName: config.project });
  return {
    callbacks: [tracer],
    flush: async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, config.flushTimeoutMs);
        timer.unref();
      });
      // Callbacks run in the background by default: the last runs' ends may not have reached the client yet.
      const sent = awaitAllCallbacks().then(() => client.awaitPendingTraceBatches());
      await Promise.race([sent.catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}
