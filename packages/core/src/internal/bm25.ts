import { tokenize } from "./text.js"

/**
 * Okapi BM25 over a fixed set of documents, one per agent. Small enough to
 * rebuild whenever the agent set changes.
 */
export interface Bm25Index {
  readonly score: (query: string) => Array<number>
}

const K1 = 1.2
const B = 0.75

export const buildIndex = (documents: ReadonlyArray<ReadonlyArray<string>>): Bm25Index => {
  const termCounts = documents.map((tokens) => {
    const counts = new Map<string, number>()
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1)
    return counts
  })
  const lengths = documents.map((tokens) => tokens.length)
  const avgLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, documents.length)
  const docFrequency = new Map<string, number>()
  for (const counts of termCounts) {
    for (const term of counts.keys()) docFrequency.set(term, (docFrequency.get(term) ?? 0) + 1)
  }
  const n = documents.length
  const idf = (term: string) => {
    const df = docFrequency.get(term) ?? 0
    return Math.log(1 + (n - df + 0.5) / (df + 0.5))
  }
  return {
    score: (query) => {
      const terms = new Set(tokenize(query))
      return termCounts.map((counts, i) => {
        let total = 0
        for (const term of terms) {
          const tf = counts.get(term)
          if (tf === undefined) continue
          const norm = tf + K1 * (1 - B + B * (lengths[i]! / (avgLength || 1)))
          total += idf(term) * ((tf * (K1 + 1)) / norm)
        }
        return total
      })
    }
  }
}
