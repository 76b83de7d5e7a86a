/**
 * The vocabulary: tokens get provisional ids as they are read (so the import keeps ids, not
 * strings), and the final vocabulary is chosen from training-split counts afterwards.
 */
export const PAD = '<pad>'
export const UNK = '<unk>'
export const padId = 0
export const unkId = 1

/** FNV-1a over UTF-16 code units: the token hash both interning paths agree on. */
export const fnvStart = 0x811c9dc5
export const fnvStep = (h: number, code: number) => Math.imul(h ^ code, 16777619)

export class TokenInterner {
  readonly tokens: string[] = []
  // Open addressing: slot → token id (-1 empty), with the token's hash beside it. The import looks
  // tokens up straight from the text (`internRange`), without making a string per occurrence.
  private slots = new Int32Array(1 << 12).fill(-1)
  private hashes = new Int32Array(1 << 12)

  intern(token: string): number {
    let h = fnvStart
    for (let i = 0; i < token.length; i++) h = fnvStep(h, token.charCodeAt(i))
    return this.internRange(token, 0, token.length, h)
  }

  /** The id of text[start, end), whose hash is `h`; a string is made only for a new token. */
  internRange(text: string, start: number, end: number, h: number): number {
    const mask = this.slots.length - 1
    let i = h & mask
    for (let id = this.slots[i]!; id >= 0; id = this.slots[i]!) {
      if (this.hashes[i] === h) {
        const t = this.tokens[id]!
        if (t.length === end - start && text.startsWith(t, start)) return id
      }
      i = (i + 1) & mask
    }
    const id = this.tokens.length
    this.tokens.push(text.slice(start, end))
    this.slots[i] = id
    this.hashes[i] = h
    if (this.tokens.length * 2 > this.slots.length) this.grow()
    return id
  }

  private grow(): void {
    const { slots, hashes } = this
    this.slots = new Int32Array(slots.length * 2).fill(-1)
    this.hashes = new Int32Array(slots.length * 2)
    const mask = this.slots.length - 1
    for (let k = 0; k < slots.length; k++) {
      if (slots[k]! < 0) continue
      let i = hashes[k]! & mask
      while (this.slots[i]! >= 0) i = (i + 1) & mask
      this.slots[i] = slots[k]!
      this.hashes[i] = hashes[k]!
    }
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
