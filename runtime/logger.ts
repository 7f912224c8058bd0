import { pino, type DestinationStream, type Logger } from "pino";
import type { KeelConfig } from "./config.js";

export type { Logger };

/** Applied to every log record and message before it is written (the PII and secret redactor). */
export type LogRedactor = (value: unknown) => unknown;

export interface LoggerOptions {
  destination?: DestinationStream;
  redact?: LogRedactor;
}

/**
 * Structured JSON logs on stderr, so stdout stays free for answers and `--json` output. With a
 * redactor, nothing reaches the destination without passing through it: fields and the message.
 */
export function createLogger(level: KeelConfig["logLevel"], options: LoggerOptions = {}): Logger {
  const { redact } = options;
  return pino(
    {
      level,
      base: { app: "keel" },
      ...(redact
        ? {
            formatters: { log: (record: Record<string, unknown>) => redact(record) as Record<string, unknown> },
            hooks: {
              logMethod(args: Parameters<Logger["info"]>, method: (...a: unknown[]) => void) {
                method.apply(
                  this,
                  args.map((a) => (typeof a === "string" ? redact(a) : a)),
                );
              },
            },
          }
        : {}),
    },
    options.destination ?? pino.destination(2),
  );
}

/** Collects log lines in memory, parsed: for tests and for inspecting a run. */
export function memoryLogger(
  level: KeelConfig["logLevel"] = "trace",
  redact?: LogRedactor,
): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, {
    destination: {
      write: (chunk: string) => {
        lines.push(JSON.parse(chunk) as Record<string, unknown>);
      },
    },
    ...(redact ? { redact } : {}),
  });
  return { logger, lines };
}
