/** Confusion counts and the figures reported per source, per vector and pooled. */

export interface Outcome {
  label: "injection" | "benign";
  flagged: boolean;
}

export interface Figures {
  count: number;
  injections: number;
  benign: number;
  truePositives: number;
  falsePositives: number;
  /** Undefined when nothing was flagged. */
  precision: number | undefined;
  /** Recall on injections; undefined when the group has none. */
  recall: number | undefined;
  /** False-positive rate on benign rows; undefined when the group has none. */
  fpr: number | undefined;
}

export function figures(outcomes: readonly Outcome[]): Figures {
  let truePositives = 0;
  let falsePositives = 0;
  let injections = 0;
  for (const o of outcomes) {
    if (o.label === "injection") {
      injections++;
      if (o.flagged) truePositives++;
    } else if (o.flagged) falsePositives++;
  }
  const benign = outcomes.length - injections;
  const flagged = truePositives + falsePositives;
  return {
    count: outcomes.length,
    injections,
    benign,
    truePositives,
    falsePositives,
    precision: flagged > 0 ? truePositives / flagged : undefined,
    recall: injections > 0 ? truePositives / injections : undefined,
    fpr: benign > 0 ? falsePositives / benign : undefined,
  };
}

/** Figures per key, keys in sorted order. */
export function figuresBy<T extends Outcome>(items: readonly T[], key: (item: T) => string): Map<string, Figures> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k) ?? [];
    group.push(item);
    groups.set(k, group);
  }
  return new Map([...groups.keys()].sort().map((k) => [k, figures(groups.get(k) ?? [])]));
}
