import type pg from "pg";
import { runStoragePass, type RetentionPolicy, type StoragePassResult } from "../checkpoint/storage-pass.js";
import type { Logger } from "../runtime/logger.js";

/** One log line per pass with what it deleted; also what `npm run prune` prints. */
export function describePass(result: StoragePassResult): Record<string, number | string> {
  return {
    event: "storage_pruned",
    pruned_threads: result.pruned.threads,
    checkpoints: result.pruned.checkpoints,
    writes: result.pruned.writes,
    blobs: result.pruned.blobs,
    expired_threads: result.expired.threads,
    skipped_busy: result.pruned.skipped + result.expired.skipped,
    ms: result.ms,
  };
}

/**
 * Runs a retention pass every `intervalMs` (never two at once in this process; the pass's advisory
 * lock keeps other replicas out). `stop()` cancels the timer and waits for a pass in flight, so the
 * pool can close under it safely.
 */
export function scheduleStoragePasses(
  pool: pg.Pool,
  policy: RetentionPolicy,
  intervalMs: number,
  logger: Logger,
): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  const tick = () => {
    if (inFlight) return;
    inFlight = runStoragePass(pool, policy)
      .then((result) => {
        if (result) logger.info(describePass(result), "storage pruned");
        else logger.debug({ event: "storage_prune_skipped", reason: "another process holds the lock" }, "skipped");
      })
      .catch((err: Error) => logger.error({ event: "storage_prune_failed", err: err.message }, "storage prune failed"))
      .finally(() => (inFlight = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
