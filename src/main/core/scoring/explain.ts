/**
 * One text's prediction and, on request, each token's weight by occlusion: how much the predicted
 * label's log-odds fall when that token is left out (all variants scored in one batch). Log-odds,
 * from the logits, not probabilities: a confident model's probability stays at 1.0 in float32 whatever
 * one word does, and every weight would read 0. It works the same for every model kind.
 */
import type { Prediction, TokenWeight } from '../../../shared/scoring'
import { cleanText, tokenize } from '../datasets/preprocess'
import { logitsEncoded, type Bundle } from '../engine/bundle'
import { probabilities } from '../engine/bag-scorer'
import { predictedClass } from './evaluation'

/** Tokens explained at most; the model reads at most maxLen of them anyway. */
const maxExplained = 2000

export async function explainText(bundle: Bundle, text: string, explain: boolean): Promise<Prediction> {
  const { preprocess, classes, unkId } = bundle.preprocessing
  const tokens = tokenize(cleanText(text, preprocess), preprocess.tokenizer)
  const ids = tokens.map((t) => bundle.vocab.get(t) ?? unkId)
  const shown = explain ? Math.min(tokens.length, maxExplained) : 0
  // Row 0 is the whole text; row 1 + i leaves token i out.
  const offsets = new Uint32Array(shown + 2)
  const all: number[] = [...ids]
  offsets[1] = ids.length
  for (let i = 0; i < shown; i++) {
    for (let j = 0; j < ids.length; j++) if (j !== i) all.push(ids[j]!)
    offsets[i + 2] = all.length
  }
  const c = classes.length
  const logits = await logitsEncoded(bundle, all, offsets)
  const probs = probabilities(logits, shown + 1, bundle.preprocessing.output)
  const k = predictedClass(probs, 0, c)
  const logOdds = (row: number) => classLogOdds(logits, row, k, bundle.preprocessing.output === 'sigmoid' ? 1 : c)
  const prediction: Prediction = {
    label: classes[k]!,
    probability: probs[k]!,
    probabilities: Object.fromEntries(classes.map((name, j) => [name, probs[j]!])),
  }
  if (!explain) return prediction
  prediction.tokens = tokens.map((t, i): TokenWeight => ({
    text: t,
    weight: i < shown ? logOdds(0) - logOdds(i + 1) : 0,
    inVocabulary: ids[i] !== unkId,
  }))
  return prediction
}

/** Class k's log-odds in a row of logits: its logit against the log-sum-exp of the others (±z for one sigmoid logit). */
function classLogOdds(logits: Float32Array, row: number, k: number, outputs: number): number {
  if (outputs === 1) return k === 1 ? logits[row]! : -logits[row]!
  const z = logits.subarray(row * outputs, (row + 1) * outputs)
  let max = -Infinity
  for (let j = 0; j < outputs; j++) if (j !== k) max = Math.max(max, z[j]!)
  let total = 0
  for (let j = 0; j < outputs; j++) if (j !== k) total += Math.exp(z[j]! - max)
  return z[k]! - (max + Math.log(total))
}
