/**
 * Words and Okapi BM25 as capability routing uses them, public so that other
 * searches (history retrieval in `@baton/session`) match text by the same
 * rules: a word that routes a request to an agent also finds the turn that
 * mentioned it.
 *
 * @since 0.1.0
 */
import * as bm25 from "./internal/bm25.js"
import * as text from "./internal/text.js"

/**
 * Lower-cased, stemmed words without stopwords.
 *
 * @since 0.1.0 @category tokens
 */
export const tokenize: (text: string) => Array<string> = text.tokenize

/**
 * BM25 scores of `query` against each document (already tokenised), in
 * document order.
 *
 * @since 0.1.0 @category scoring
 */
export const score = (documents: ReadonlyArray<ReadonlyArray<string>>, query: string): Array<number> =>
  bm25.buildIndex(documents).score(query)
