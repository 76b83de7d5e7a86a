/** Duplicate texts: the same review imported twice, or in both training and test data. */

/** Examples whose raw text repeats an earlier one, and distinct texts found in both training (train or val) and test. */
export function duplicateFigures(
  keys: ArrayLike<number>,
  split: Int8Array,
): { repeated: number; trainTestOverlap: number } {
  // Open addressing in typed arrays (a Map of a million number keys is slow to fill): slot → key,
  // and the bit mask of splits it was seen in (1 train, 2 val, 4 test; 0 empty).
  let size = 2
  while (size < keys.length * 2) size *= 2
  const slotKeys = new Float64Array(size)
  const masks = new Uint8Array(size)
  let repeated = 0
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    let s = (key >>> 0) & (size - 1)
    while (masks[s] !== 0 && slotKeys[s] !== key) s = (s + 1) & (size - 1)
    if (masks[s] !== 0) repeated++
    slotKeys[s] = key
    masks[s]! |= 1 << split[i]!
  }
  let trainTestOverlap = 0
  for (const mask of masks) if (mask & 4 && mask & 3) trainTestOverlap++
  return { repeated, trainTestOverlap }
}

/**
 * A 53-bit hash of a text (two 32-bit multiply-xorshift lanes), to find repeated reviews without
 * keeping a string per review: a million reviews would otherwise keep a million keys alive. The
 * lanes are exported for `internTokens`, which hashes a text in the pass that tokenizes it.
 */
export function textHash(text: string): number {
  let h1 = lane1Start
  let h2 = lane2Start
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = lane1Step(h1, c)
    h2 = lane2Step(h2, c)
  }
  return mixLanes(h1, h2)
}

export const lane1Start = 0xdeadbeef
export const lane2Start = 0x41c6ce57
export const lane1Step = (h: number, c: number) => Math.imul(h ^ c, 2654435761)
export const lane2Step = (h: number, c: number) => Math.imul(h ^ c, 1597334677)

export function mixLanes(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
