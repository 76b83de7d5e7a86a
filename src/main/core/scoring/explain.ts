/**
 * One text's prediction and, on request, each token's weight by occlusion: how much the predicted
 * label's probability falls when that token is left out (all variants scored in one batch). It
 * works the same for every model kind, since it only asks the model for probabilities.
 */
import type { Prediction, TokenWeight } from '../../../shared/scoring'
import { cleanText, tokenize } from '../datasets/preprocess'
import { predictEncoded, type Bundle } from '../engine/bundle'
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
  const probs = await predictEncoded(bundle, all, offsets)
  const k = predictedClass(probs, 0, c)
  const prediction: Prediction = {
    label: classes[k]!,
    probability: probs[k]!,
    probabilities: Object.fromEntries(classes.map((name, j) => [name, probs[j]!])),
  }
  if (!explain) return prediction
  prediction.tokens = tokens.map((t, i): TokenWeight => ({
    text: t,
    weight: i < shown ? probs[k]! - probs[(i + 1) * c + k]! : 0,
    inVocabulary: ids[i] !== unkId,
  }))
  return prediction
}
