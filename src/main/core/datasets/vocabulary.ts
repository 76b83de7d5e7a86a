/**
 * The vocabulary: tokens get provisional ids as they are read (so the import keeps ids, not
 * strings), and the final vocabulary is chosen from training-split counts afterwards.
 */
export const PAD = '<pad>'
export const UNK = '<unk>'
export const padId = 0
export const unkId = 1

export class TokenInterner {
  private readonly ids = new Map<string, number>()
  readonly tokens: string[] = []

  intern(token: string): number {
    let id = this.ids.get(token)
    if (id === undefined) {
      id = this.tokens.length
      this.ids.set(token, id)
      this.tokens.push(token)
    }
    return id
  }

  get size(): number {
    return this.tokens.length
  }
}

export interface Vocabulary {
  /** Index = id: PAD, UNK, then tokens by descending training count. */
  tokens: string[]
  counts: number[]
  /** Provisional id → final id (UNK for tokens left out). */
  remap: Uint32Array
}

/** Keeps tokens seen at least minCount times in training, the maxSize most frequent (PAD and UNK included). */
export function buildVocabulary(
  provisional: string[],
  trainCounts: Uint32Array,
  options: { minCount: number; maxSize?: number },
): Vocabulary {
  const kept: number[] = []
  for (let id = 0; id < provisional.length; id++) if (trainCounts[id]! >= options.minCount) kept.push(id)
  // Ties broken by the token itself, so the same data always gives the same ids.
  kept.sort((a, b) => trainCounts[b]! - trainCounts[a]! || (provisional[a]! < provisional[b]! ? -1 : 1))
  const limit = options.maxSize === undefined ? kept.length : Math.max(0, options.maxSize - 2)
  const chosen = kept.slice(0, limit)
  const remap = new Uint32Array(provisional.length).fill(unkId)
  chosen.forEach((id, i) => (remap[id] = i + 2))
  return {
    tokens: [PAD, UNK, ...chosen.map((id) => provisional[id]!)],
    counts: [0, 0, ...chosen.map((id) => trainCounts[id]!)],
    remap,
  }
}
