/** Duplicate texts: the same review imported twice, or in both training and test data. */

/** Examples whose raw text repeats an earlier one, and distinct texts found in both training (train or val) and test. */
export function duplicateFigures(keys: string[], split: Int8Array): { repeated: number; trainTestOverlap: number } {
  const seen = new Map<string, number>() // key → bit mask of splits seen (1 train, 2 val, 4 test)
  let repeated = 0
  keys.forEach((key, i) => {
    const mask = seen.get(key)
    if (mask !== undefined) repeated++
    seen.set(key, (mask ?? 0) | (1 << split[i]!))
  })
  let trainTestOverlap = 0
  for (const mask of seen.values()) if (mask & 4 && mask & 3) trainTestOverlap++
  return { repeated, trainTestOverlap }
}
