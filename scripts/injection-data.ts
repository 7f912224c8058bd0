// The injection guard's training data: the shared development set plus every source under
// data/guards/injection/ (public sources, each with its repository, commit and licence in
// data/guards/SOURCES.md). One loader for the train, eval and cv scripts, so they all see the same
// rows and record the same fingerprint.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseRows, type InjectionRow } from "../guards/injection/training.js";

export const DEFAULT_DATA = ["../shared/data/injection-dev.jsonl", "data/guards/injection"];

export interface InjectionData {
  rows: InjectionRow[];
  /** The files read, relative to the repository, in order. */
  files: string[];
  /** SHA-256 over the files' names and bytes, in order: a fingerprint of the data. */
  sha256: string;
}

/** Reads files, and the `.jsonl` files of directories (sorted); ids must be unique across them. */
export function loadInjectionData(root: string, paths: readonly string[] = DEFAULT_DATA): InjectionData {
  const files = paths.flatMap((path) => {
    const full = resolve(root, path);
    if (!path.endsWith(".jsonl")) {
      return readdirSync(full)
        .filter((name) => name.endsWith(".jsonl"))
        .sort()
        .map((name) => join(full, name));
    }
    return [full];
  });
  const hash = createHash("sha256");
  const rows: InjectionRow[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    hash.update(relative(root, file)).update("\0").update(bytes);
    try {
      rows.push(...parseRows(bytes.toString("utf8")));
    } catch (error) {
      throw new Error(`${relative(root, file)}: ${(error as Error).message}`, { cause: error });
    }
  }
  for (const row of rows) row.group ??= documentGroup(row);
  const ids = new Set<string>();
  for (const row of rows) {
    if (ids.has(row.id)) throw new Error(`duplicate row id ${row.id}`);
    ids.add(row.id);
  }
  return { rows, files: files.map((f) => relative(root, f)), sha256: hash.digest("hex") };
}

/**
 * The development set's BIPIA rows are a clean copy of each document plus copies with an attack
 * inserted, with ids `bipia:<kind>:<document>:…`; they carry no group of their own.
 */
export function documentGroup(row: Pick<InjectionRow, "id" | "source">): string | undefined {
  return row.source === "bipia" ? row.id.split(":").slice(0, 3).join(":") : undefined;
}

/** `--data a,b` → paths; unset → the defaults. */
export function dataPaths(option: string | undefined): string[] {
  return option === undefined ? DEFAULT_DATA : option.split(",").filter((p) => p !== "");
}
