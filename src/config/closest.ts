// No imports: the CLI's argument parser uses it, and must stay light (no zod, no yaml).

/**
 * The nearest of `candidates` to `word` within an edit distance of 2, for "did you mean" hints; of two
 * as near, the one sharing the longer start (`sped`: `speed`, not `seed`), since typos come late.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    const tie = d === bestDistance && best !== undefined && sharedStart(word, c) > sharedStart(word, best);
    if (d < bestDistance || tie) [best, bestDistance] = [c, d];
  }
  return best;
}

function sharedStart(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
