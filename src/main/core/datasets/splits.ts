/** Seeded, stratified splits: the same seed always gives the same train, validation and test. */
import type { SplitName } from '../../../shared/datasets'
import { seededRandom } from '../../../shared/random'

export { seededRandom }

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/**
 * Moves `ratio` of `indices` to `to`, per class when stratified (each class keeps its share), the
 * rest stays. Returns the indices moved.
 */
export function carve(
  indices: number[],
  labels: ArrayLike<number>,
  ratio: number,
  stratified: boolean,
  random: () => number,
): number[] {
  if (ratio <= 0) return []
  const groups = new Map<number, number[]>()
  for (const i of indices) {
    const key = stratified ? labels[i]! : 0
    const g = groups.get(key)
    if (g) g.push(i)
    else groups.set(key, [i])
  }
  const moved: number[] = []
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = shuffle(groups.get(key)!, random)
    // No spread: a million indices would overflow the call stack.
    for (const i of group.slice(0, Math.round(group.length * ratio))) moved.push(i)
  }
  // A typed sort: a comparator called a million times is slow.
  return Array.from(Uint32Array.from(moved).sort())
}

export interface SplitOptions {
  mode: 'ratio' | 'halve-test'
  valRatio: number
  testRatio: number
  stratified: boolean
  seed: number
}

/**
 * Assigns every example to train, val or test. `sourceSplit` is the source's own (0 none, 1 train,
 * 2 test). The source's own test set is kept; without one, test is carved first.
 */
export function assignSplits(sourceSplit: Int8Array, labels: ArrayLike<number>, options: SplitOptions): Int8Array {
  const random = seededRandom(options.seed)
  const out = new Int8Array(sourceSplit.length) // 0 train, 1 val, 2 test
  const train: number[] = []
  const test: number[] = []
  const none: number[] = []
  sourceSplit.forEach((s, i) => (s === 2 ? test : s === 1 ? train : none).push(i))
  for (const i of test) out[i] = 2
  if (none.length > 0) {
    for (const i of carve(none, labels, options.testRatio, options.stratified, random)) out[i] = 2
    for (const i of none) if (out[i] !== 2) train.push(i)
  }
  if (options.mode === 'halve-test') {
    const testNow = test.concat(none.filter((i) => out[i] === 2))
    for (const i of carve(testNow, labels, 0.5, options.stratified, random)) out[i] = 1
  } else {
    for (const i of carve(train, labels, options.valRatio, options.stratified, random)) out[i] = 1
  }
  return out
}

/**
 * Splits with treebank phrases (`sentenceOf[i]` ≥ 0: the sentence a phrase belongs to; -1 for a
 * sentence): only sentences are split, and a phrase goes to train, once per distinct text (`keys`),
 * when its sentence does; otherwise it is left out (-1). Validation and test stay whole sentences,
 * and no phrase of theirs is trained on.
 */
export function assignSplitsWithPhrases(
  sourceSplit: Int8Array,
  labels: ArrayLike<number>,
  sentenceOf: Int32Array,
  keys: Float64Array,
  options: SplitOptions,
): Int8Array {
  const sentences: number[] = []
  sentenceOf.forEach((s, i) => s < 0 && sentences.push(i))
  if (sentences.length === sentenceOf.length) return assignSplits(sourceSplit, labels, options)
  const own = assignSplits(
    Int8Array.from(sentences, (i) => sourceSplit[i]!),
    Uint16Array.from(sentences, (i) => labels[i]!),
    options,
  )
  const out = new Int8Array(sentenceOf.length).fill(-1)
  sentences.forEach((i, k) => (out[i] = own[k]!))
  const inTrain = new Set<number>()
  for (const i of sentences) if (out[i] === 0) inTrain.add(keys[i]!)
  sentenceOf.forEach((s, i) => {
    if (s < 0 || out[s] !== 0 || inTrain.has(keys[i]!)) return
    out[i] = 0
    inTrain.add(keys[i]!)
  })
  return out
}

export const splitNames: SplitName[] = ['train', 'val', 'test']
