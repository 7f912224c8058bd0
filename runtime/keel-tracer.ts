import type { Run } from "@langchain/core/tracers/base";
import { LangChainTracer, type LangChainTracerFields } from "@langchain/core/tracers/tracer_langchain";
import { guardFlagKinds, runSummary, stepNode } from "./run-facts.js";

/**
 * The LangSmith tracer, plus end-of-run facts on the root run: cost, tokens, stop reason and the
 * guard flags raised. `onChainEnd` runs before the tracer sends the run's update, so metadata set
 * there travels with that update (through the client's redacting `hideMetadata`).
 */
export class KeelTracer extends LangChainTracer {
  /** Guard flag kinds raised so far, by trace id; shared with copies, dropped when the root ends. */
  private readonly flagsByTrace: Map<string, string[]>;

  constructor(fields: LangChainTracerFields = {}, flagsByTrace = new Map<string, string[]>()) {
    super(fields);
    this.flagsByTrace = flagsByTrace;
  }

  /** Traces with guard flags in flight; 0 once their roots have ended. */
  get openTraces(): number {
    return this.flagsByTrace.size;
  }

  override onChainEnd(run: Run): void {
    const traceId = run.trace_id ?? run.id;
    if (run.parent_run_id === undefined) {
      const metadata = (run.extra?.metadata ?? {}) as Record<string, unknown>;
      const summary = runSummary(run.outputs, this.flagsByTrace.get(traceId) ?? []);
      run.extra = { ...run.extra, metadata: { ...metadata, ...summary } };
      return;
    }
    if (!stepNode(run.name, run.extra?.metadata as Record<string, unknown> | undefined)) return;
    const kinds = guardFlagKinds(run.outputs);
    if (kinds.length > 0) this.flagsByTrace.set(traceId, [...(this.flagsByTrace.get(traceId) ?? []), ...kinds]);
  }

  /** Called once per run as it ends, whatever its type: a root's end forgets its trace. */
  override async onRunUpdate(run: Run): Promise<void> {
    if (run.parent_run_id === undefined) this.flagsByTrace.delete(run.trace_id ?? run.id);
    await super.onRunUpdate(run);
  }

  /**
   * LangChain swaps a tracer for a copy when a run carries tracing-only metadata (model calls,
   * configurable values); the base class copies into a plain LangChainTracer, which would lose the
   * root's summary. The copy shares the run maps, as the base class's does.
   */
  override copyWithTracingConfig(config: { metadata?: Record<string, unknown>; tags?: string[] }): LangChainTracer {
    const base = super.copyWithTracingConfig(config);
    const copy = new KeelTracer(
      { ...this.fields, metadata: base.tracingMetadata, tags: base.tracingTags },
      this.flagsByTrace,
    );
    copy.runMap = this.runMap;
    copy.runTreeMap = this.runTreeMap;
    return copy;
  }
}
