/**
 * McNemar's test: do two classifiers tested on the same examples differ in error rate? Only the
 * discordant examples count: b that A got wrong and B right, c the other way. Under the null
 * hypothesis each is wrong-only-once with even odds, so with few of them (b + c < 25) the p-value is
 * the exact two-sided binomial; otherwise the chi-square statistic with continuity correction,
 * (|b − c| − 1)² / (b + c), on one degree of freedom.
 */
import type { McNemarResult } from '../../../shared/runs'

export const exactBelow = 25

export function mcnemarCounts(correctA: Uint8Array, correctB: Uint8Array): { onlyAWrong: number; onlyBWrong: number } {
  if (correctA.length !== correctB.length)
    throw new Error(`The runs were tested on ${correctA.length} and ${correctB.length} examples: not the same split.`)
  let onlyAWrong = 0
  let onlyBWrong = 0
  for (let i = 0; i < correctA.length; i++) {
    const d = correctB[i]! - correctA[i]!
    if (d === 1) onlyAWrong++
    else if (d === -1) onlyBWrong++
  }
  return { onlyAWrong, onlyBWrong }
}

/** The two-sided p-value and which form gave it. */
export function mcnemarPValue(b: number, c: number): { pValue: number; method: 'exact' | 'chi-square' } {
  const n = b + c
  if (n < exactBelow) {
    // 2 · P(X ≤ min(b, c)) for X ~ Binomial(n, ½), capped at 1.
    let tail = 0
    let term = 0.5 ** n // C(n, 0) / 2ⁿ
    for (let i = 0; i <= Math.min(b, c); i++) {
      tail += term
      term = (term * (n - i)) / (i + 1)
    }
    return { pValue: Math.min(1, 2 * tail), method: 'exact' }
  }
  const statistic = (Math.abs(b - c) - 1) ** 2 / n
  return { pValue: chiSquare1Upper(statistic), method: 'chi-square' }
}

/** P(χ²₁ > x) = erfc(√(x/2)). */
export function chiSquare1Upper(x: number): number {
  return x <= 0 ? 1 : erfc(Math.sqrt(x / 2))
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}

const formatP = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`)

export function mcnemar(
  runs: [string, string],
  names: [string, string],
  correctA: Uint8Array,
  correctB: Uint8Array,
  alpha = 0.05,
): McNemarResult {
  const { onlyAWrong, onlyBWrong } = mcnemarCounts(correctA, correctB)
  const { pValue, method } = mcnemarPValue(onlyAWrong, onlyBWrong)
  const significant = pValue < alpha
  const counts = `${names[0]} alone got ${onlyAWrong.toLocaleString('en')} wrong, ${names[1]} alone ${onlyBWrong.toLocaleString('en')}`
  const sentence = significant
    ? `The difference between ${names[0]} and ${names[1]} is significant at 5% (McNemar, ${formatP(pValue)}): ${counts}.`
    : `The difference between ${names[0]} and ${names[1]} is not significant at 5% (McNemar, ${formatP(pValue)}): ${counts}.`
  return { runs, onlyAWrong, onlyBWrong, pValue, significant, method, sentence }
}
