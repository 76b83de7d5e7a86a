/**
 * The features of a bag of n-grams (fastText style): the word ids, then every n-gram of 2..n words
 * hashed into `buckets` rows after the vocabulary. Pure, so the scorer and a browser compute the same
 * features as training did.
 *
 * With `endOfText`, every text ends in one more word, as fastText's `</s>` ends every line: its own
 * row (id `vocabSize`, the hashed rows start one later) and n-grams with the text's last words. Its
 * weight in a bag's mean falls as the text grows, so a mean can tell a short phrase from a sentence.
 */
export interface NgramOptions {
  vocabSize: number
  ngrams: number
  buckets: number
  /** Absent in bundles written before it: false. */
  endOfText?: boolean
}

/** Features per example for sequences of at most maxLen words (and the end-of-text word, when there is one). */
export const featureLength = (maxLen: number, ngrams: number, endOfText = false): number => {
  const words = maxLen + (endOfText ? 1 : 0)
  let n = 0
  for (let k = 1; k <= ngrams; k++) n += Math.max(0, words - k + 1)
  return n
}

/** Rows before the hashed n-grams: the vocabulary, and the end-of-text word's when there is one. */
export const wordRows = (vocabSize: number, endOfText = false): number => vocabSize + (endOfText ? 1 : 0)

/** A text's words and its end-of-text word, for the n-grams that end with it (reused: scoring is per text). */
let withEnd = new Int32Array(256)

/** Row of the n-gram that starts at `ids[at]`, `n` words long: an FNV-1a hash of the word ids. */
function ngramRow(ids: ArrayLike<number>, at: number, n: number, o: NgramOptions): number {
  let h = 0x811c9dc5
  for (let k = 0; k < n; k++) {
    const id = ids[at + k]!
    h = Math.imul(h ^ (id & 0xffff), 16777619)
    h = Math.imul(h ^ (id >>> 16), 16777619)
  }
  h = Math.imul(h ^ n, 16777619)
  return wordRows(o.vocabSize, o.endOfText) + ((h >>> 0) % o.buckets)
}

/**
 * Writes one example's features into `out` at `offset` (zeros after the last one: row 0 is the
 * padding word). `ids` holds the example's word ids, already truncated to maxLen; the end-of-text
 * word (`o.endOfText`) follows them.
 */
export function writeNgramFeatures(
  ids: ArrayLike<number>,
  start: number,
  end: number,
  o: NgramOptions,
  out: Int32Array,
  offset: number,
): void {
  if (o.endOfText) {
    const n = end - start
    if (withEnd.length <= n) withEnd = new Int32Array(2 * n + 2)
    for (let i = 0; i < n; i++) withEnd[i] = ids[start + i]!
    withEnd[n] = o.vocabSize
    return writeNgramFeatures(withEnd, 0, n + 1, { ...o, endOfText: false, vocabSize: o.vocabSize + 1 }, out, offset)
  }
  let w = offset
  for (let i = start; i < end; i++) out[w++] = ids[i]!
  for (let n = 2; n <= o.ngrams; n++) for (let i = start; i + n <= end; i++) out[w++] = ngramRow(ids, i, n, o)
}

/** Keeps each feature of `out[offset, offset + width)` once, in ascending order, zeros after (binary features). */
export function keepDistinct(out: Int32Array, offset: number, width: number): void {
  const row = out.subarray(offset, offset + width).sort()
  let w = 0
  for (let i = 0; i < width; i++) if (row[i] !== 0 && (w === 0 || row[i] !== row[w - 1])) row[w++] = row[i]!
  row.fill(0, w)
}
