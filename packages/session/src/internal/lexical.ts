/**
 * Tokens and Okapi BM25 for history retrieval. Core keeps its own copy for
 * capability routing as an internal module (not exported), so the session
 * package carries this small one with the same tokenising rules: a word that
 * routes a request to an agent also finds the turn that mentioned it.
 */

const STOPWORDS = new Set(
  ("a an and are as at be but by can could do for from have i i'd i'll i'm in into is it its me my of on or " +
    "please so that the their them then there these this to too us want was we what when where which will " +
    "with would you your our some any also just like get need").split(" ")
)

// A light suffix stripper: enough to match "flights"/"flight" and "booking"/"book".
const stem = (word: string): string => {
  const n = word.length
  if (n > 5 && word.endsWith("ing")) return word.slice(0, -3)
  if (n > 4 && word.endsWith("ies")) return word.slice(0, -3) + "y"
  if (n > 4 && (word.endsWith("shes") || word.endsWith("ches") || word.endsWith("xes") || word.endsWith("sses"))) {
    return word.slice(0, -2)
  }
  if (n > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1)
  if (n > 4 && word.endsWith("ed")) return word.slice(0, -2)
  return word
}

const SEPARATORS = /[^\p{L}\p{N}']+/u

export const tokenize = (text: string): Array<string> => {
  const out: Array<string> = []
  for (const raw of text.toLowerCase().split(SEPARATORS)) {
    const word = raw.includes("'") ? raw.replace(/^'+|'+$/g, "") : raw
    if (word.length < 2 || STOPWORDS.has(word)) continue
    out.push(stem(word))
  }
  return out
}

const K1 = 1.2
const B = 0.75

/** BM25 scores of `query` against each document (already tokenised), in document order. */
export const bm25 = (documents: ReadonlyArray<ReadonlyArray<string>>, query: string): Array<number> => {
  const termCounts = documents.map((tokens) => {
    const counts = new Map<string, number>()
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1)
    return counts
  })
  const avgLength = documents.reduce((sum, tokens) => sum + tokens.length, 0) / Math.max(1, documents.length)
  const docFrequency = new Map<string, number>()
  for (const counts of termCounts) {
    for (const term of counts.keys()) docFrequency.set(term, (docFrequency.get(term) ?? 0) + 1)
  }
  const n = documents.length
  const terms = new Set(tokenize(query))
  return termCounts.map((counts, i) => {
    let total = 0
    for (const term of terms) {
      const tf = counts.get(term)
      if (tf === undefined) continue
      const df = docFrequency.get(term) ?? 0
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5))
      const norm = tf + K1 * (1 - B + B * (documents[i]!.length / (avgLength || 1)))
      total += idf * ((tf * (K1 + 1)) / norm)
    }
    return total
  })
}
