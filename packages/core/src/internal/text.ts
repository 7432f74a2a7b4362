/** Tokenising shared by lexical routing and extractive summaries. */

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

// Splitting on a Unicode class is several times slower than on ASCII, so the
// Unicode pattern is used only for text that needs it.
const ASCII = /^[\x00-\x7f]*$/
const ASCII_SEPARATORS = /[^a-z0-9']+/
const UNICODE_SEPARATORS = /[^\p{L}\p{N}']+/u

export const tokenize = (text: string): Array<string> => {
  const lower = text.toLowerCase()
  const out: Array<string> = []
  for (const raw of lower.split(ASCII.test(lower) ? ASCII_SEPARATORS : UNICODE_SEPARATORS)) {
    const word = raw.includes("'") ? raw.replace(/^'+|'+$/g, "") : raw
    if (word.length < 2 || STOPWORDS.has(word)) continue
    out.push(stem(word))
  }
  return out
}

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)
