/**
 * A small BM25 index over paragraphs of Markdown and text files: enough to ground answers in a
 * folder of notes without a vector database. Pure; the tool loads files and builds it once.
 */
export interface Passage {
  source: string;
  heading: string;
  text: string;
}

export interface SearchHit extends Passage {
  score: number;
}

const K1 = 1.2;
const B = 0.75;

export function tokenize(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}_]+/gu) ?? []
  );
}

/** Splits a document into paragraphs, each remembering the heading it falls under. */
export function passagesOf(source: string, content: string): Passage[] {
  const passages: Passage[] = [];
  let heading = "";
  for (const block of content.split(/\n\s*\n/)) {
    const text = block.trim();
    if (!text) continue;
    const title = /^#{1,6}\s+(.*)$/.exec(text);
    if (title && !text.includes("\n")) {
      heading = title[1]!.trim();
      continue;
    }
    passages.push({ source, heading, text: text.replace(/\s+/g, " ") });
  }
  return passages;
}

export class SearchIndex {
  private readonly docs: { passage: Passage; terms: Map<string, number>; length: number }[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(passages: readonly Passage[]) {
    this.docs = passages.map((passage) => {
      const tokens = tokenize(`${passage.heading} ${passage.text}`);
      const terms = new Map<string, number>();
      for (const t of tokens) terms.set(t, (terms.get(t) ?? 0) + 1);
      for (const t of terms.keys()) this.documentFrequency.set(t, (this.documentFrequency.get(t) ?? 0) + 1);
      return { passage, terms, length: tokens.length };
    });
    this.averageLength = this.docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, this.docs.length);
  }

  get size(): number {
    return this.docs.length;
  }

  search(query: string, limit: number): SearchHit[] {
    const terms = [...new Set(tokenize(query))];
    const n = this.docs.length;
    return this.docs
      .map((doc) => {
        let score = 0;
        for (const term of terms) {
          const tf = doc.terms.get(term);
          if (!tf) continue;
          const df = this.documentFrequency.get(term)!;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / this.averageLength));
        }
        return { ...doc.passage, score: Math.round(score * 1000) / 1000 };
      })
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }
}
