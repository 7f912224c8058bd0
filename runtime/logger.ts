import { pino, type DestinationStream, type Logger } from "pino";
import type { KeelConfig } from "./config.js";

export type { Logger };

/**
 * Structured JSON logs on stderr, so stdout stays free for answers and `--json` output.
 * Tests pass their own destination to assert on log lines.
 */
export function createLogger(level: KeelConfig["logLevel"], destination?: DestinationStream): Logger {
  return pino({ level, base: { app: "keel" } }, destination ?? pino.destination(2));
}

/** Collects log lines in memory, parsed: for tests and for inspecting a run. */
export function memoryLogger(level: KeelConfig["logLevel"] = "trace"): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, {
    write: (chunk: string) => {
      lines.push(JSON.parse(chunk) as Record<string, unknown>);
    },
  });
  return { logger, lines };
}
