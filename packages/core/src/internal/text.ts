/** Tokenising shared by lexical routing and extractive summaries. */

const STOPWORDS = new Set(
  ("a an and are as at be but by can could do for from have i i'd i'll i'm in into is it its me my of on or " +
    "please so that the their them then there these this to too us want was we what when where which will " +
    "with would you your our some any also just like get need").split(" ")
)

// A light suffix stripper: enough to match "flights"/"flight" and "booking"/"book".
const stem = (word: string): string => {
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3)
  if (word.length > 4 && word.endsWith("ies")) return word.slice(0, -3) + "y"
  if (word.length > 4 && word.endsWith("es") && /(sh|ch|x|ss)es$/.test(word)) return word.slice(0, -2)
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1)
  if (word.length > 4 && word.endsWith("ed")) return word.slice(0, -2)
  return word
}

export const tokenize = (text: string): Array<string> => {
  const out: Array<string> = []
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
    const word = raw.replace(/^'+|'+$/g, "")
    if (word.length < 2 || STOPWORDS.has(word)) continue
    out.push(stem(word))
  }
  return out
}

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)
