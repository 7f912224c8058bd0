// What the guard evaluation scripts share: training folds in worker threads, and results written
// as JSON the repository's prettier accepts.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

/**
 * Runs each task in a worker thread loading `scriptUrl` (which answers its `workerData` with one
 * message), `workers` at a time, in the given order; `onDone` reports each as it ends. Training is
 * CPU-bound and single-threaded, so folds run side by side this way.
 */
export async function runInWorkers<T, R>(
  scriptUrl: string,
  tasks: readonly T[],
  workers: number,
  onDone: (task: T, result: R, ms: number) => void,
): Promise<R[]> {
  // tsx does not carry into workers by itself: each worker registers it, then loads the script.
  const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(scriptUrl)}); });`;
  const queue = [...tasks];
  const results: R[] = [];
  const lane = async (): Promise<void> => {
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      const started = performance.now();
      const result = await new Promise<R>((done, fail) => {
        const worker = new Worker(boot, { eval: true, workerData: task });
        worker.once("message", (m: R) => done(m));
        worker.once("error", fail);
        worker.once("exit", (code) => code !== 0 && fail(new Error(`a fold's worker exited with ${code}`)));
      });
      onDone(task, result, performance.now() - started);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, tasks.length)) }, lane));
  return results;
}

const round4 = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" ? Number(v.toFixed(4)) : v)));

/** Numbers to 4 decimals, formatted as the repository's prettier would, so `npm run lint` passes. */
export async function writeResultsJson(path: string, value: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  let text = `${JSON.stringify(round4(value), null, 2)}\n`;
  try {
    const prettier = await import("prettier");
    text = await prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
  } catch {
    // prettier is a dev dependency; without it the JSON is still valid.
  }
  writeFileSync(path, text);
}

/**
 * A fold script's entry: in a worker (see `runInWorkers`), answers its task with `work`; in the
 * main thread, runs `main`, and a failure sets the exit code.
 */
export function workerOrMain<T, R>(work: (task: T) => R, main: () => Promise<void>): void {
  if (!isMainThread) {
    parentPort?.postMessage(work(workerData as T));
    return;
  }
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
