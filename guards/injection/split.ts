/**
 * Deterministic data splits. A row's place depends only on the seed and its id (never on file
 * order), and every (source, label) stratum is split in the same proportion, so small sources
 * still appear on both sides and re-running with the same seed gives the same rows.
 */

export interface SplitRow {
  id: string;
  source: string;
  label: "injection" | "benign";
  /**
   * Rows made from one document (a clean copy and copies with an attack inserted) share a group
   * and always land on the same side of a split: a model that saw an attacked copy has learnt
   * the clean one's text, which would make its validation score meaningless.
   */
  group?: string | undefined;
}

/** 32-bit FNV-1a of a string, mixed with a seed; stable across runs and platforms. */
export function seededHash(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

function strata<T extends SplitRow>(rows: readonly T[], seed: number): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = `${row.source}\u0000${row.label}`;
    const group = groups.get(key) ?? [];
    group.push(row);
    groups.set(key, group);
  }
  return [...groups.keys()].sort().map((key) =>
    (groups.get(key) ?? [])
      .map((row) => ({ row, h: seededHash(seed, row.id) }))
      .sort((a, b) => a.h - b.h || (a.row.id < b.row.id ? -1 : 1))
      .map(({ row }) => row),
  );
}

/** Stratified train/test split; each stratum sends round(n × testFraction) rows to test. */
export function stratifiedSplit<T extends SplitRow>(
  rows: readonly T[],
  seed: number,
  testFraction: number,
): { train: T[]; test: T[] } {
  const train: T[] = [];
  const test: T[] = [];
  const grouped = rows.filter((row) => row.group !== undefined);
  for (const row of grouped) (seededHash(seed, row.group!) / 2 ** 32 < testFraction ? test : train).push(row);
  for (const group of strata(
    rows.filter((row) => row.group === undefined),
    seed,
  )) {
    const cut = Math.round(group.length * testFraction);
    test.push(...group.slice(0, cut));
    train.push(...group.slice(cut));
  }
  return { train, test };
}

/** Stratified k-fold assignment: fold number per row id, balanced within each stratum. */
export function stratifiedFolds<T extends SplitRow>(rows: readonly T[], seed: number, k: number): Map<string, number> {
  const folds = new Map<string, number>();
  for (const row of rows) if (row.group !== undefined) folds.set(row.id, seededHash(seed, row.group) % k);
  let offset = 0;
  for (const group of strata(
    rows.filter((row) => row.group === undefined),
    seed,
  )) {
    // Rotating the start keeps small strata from always filling fold 0 first.
    group.forEach((row, i) => folds.set(row.id, (i + offset) % k));
    offset = (offset + group.length) % k;
  }
  return folds;
}
