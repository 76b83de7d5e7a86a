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
  // Open addressing, compact so that a lookup touches few cache lines: slot pairs (token id or -1,
  // hash), and every token's characters in one pool (id's at ends[id - 1] .. ends[id]). The import
  // looks tokens up straight from the text (`internRange`), without a string per occurrence.
  private slots = new Int32Array(2 << 12).fill(-1)
  private chars = new Uint16Array(1 << 14)
  private ends = new Int32Array(1 << 12)
  /** Once frozen, an unknown token gets this id and is not added (a model's fixed vocabulary). */
  private unknownId = -1

  intern(token: string): number {
    let h = fnvStart
    for (let i = 0; i < token.length; i++) h = fnvStep(h, token.charCodeAt(i))
    return this.internRange(token, 0, token.length, h)
  }

  /** The id of text[start, end), whose hash is `h`; a string is made only for a new token. */
  internRange(text: string, start: number, end: number, h: number): number {
    const slots = this.slots
    const mask = slots.length - 1
    let i = (h << 1) & mask
    for (let id = slots[i]!; id >= 0; id = slots[i]!) {
      if (slots[i + 1] === h) {
        const to = this.ends[id]!
        let at = id === 0 ? 0 : this.ends[id - 1]!
        if (to - at === end - start) {
          const chars = this.chars
          for (let k = start; at < to && chars[at] === text.charCodeAt(k); k++) at++
          if (at === to) return id
        }
      }
      i = (i + 2) & mask
    }
    return this.unknownId >= 0 ? this.unknownId : this.add(text, start, end, h, i)
  }

  /** From now on, tokens not interned yet are `unknownId` (and never added). */
  freeze(unknownId: number): this {
    this.unknownId = unknownId
    return this
  }

  private add(text: string, start: number, end: number, h: number, slot: number): number {
    const id = this.tokens.length
    this.tokens.push(text.slice(start, end))
    const from = id === 0 ? 0 : this.ends[id - 1]!
    const to = from + end - start
    if (to > this.chars.length) this.chars = grown(this.chars, to)
    if (id === this.ends.length) this.ends = grown(this.ends, id + 1)
    for (let k = start; k < end; k++) this.chars[from + k - start] = text.charCodeAt(k)
    this.ends[id] = to
    this.slots[slot] = id
    this.slots[slot + 1] = h
    if (this.tokens.length * 4 > this.slots.length) this.grow()
    return id
  }

  private grow(): void {
    const old = this.slots
    const slots = new Int32Array(old.length * 2).fill(-1)
    const mask = slots.length - 1
    for (let k = 0; k < old.length; k += 2) {
      if (old[k]! < 0) continue
      let i = (old[k + 1]! << 1) & mask
      while (slots[i]! >= 0) i = (i + 2) & mask
      slots[i] = old[k]!
      slots[i + 1] = old[k + 1]!
    }
    this.slots = slots
  }

  get size(): number {
    return this.tokens.length
  }
}

/** A copy of `a` with room for at least `least` elements (doubling). */
function grown<T extends Int32Array | Uint16Array>(a: T, least: number): T {
  const next = new (a.constructor as new (length: number) => T)(Math.max(a.length * 2, least))
  next.set(a)
  return next
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
