/**
 * The wizard's figures over the whole source, not its first examples: an archive lists one class
 * after the other, so aclImdb's first 200 reviews said "neg 99.2%". One pass (aclImdb's 50,000
 * reviews in a few seconds) counts the labels, each example's tokens and the vocabulary, keeping
 * only counts. Runs as a job: progress, and Cancel.
 */
import type { SourceProfile } from '../../../shared/datasets'
import type { JobParams } from '../../../shared/job-catalog'
import type { JobContext } from '../jobs/worker-runtime'
import { Growable } from './growable'
import { lengthStats } from './length-stats'
import { cleanText, internTokens } from './preprocess'
import { openSource } from './sources'
import { TokenInterner, buildVocabulary } from './vocabulary'

export async function profileSource(params: JobParams<'profile-source'>, ctx: JobContext): Promise<SourceProfile> {
  const started = Date.now()
  const { preprocess } = params
  const tokens = new TokenInterner()
  const counts: number[] = []
  const lengths = new Growable(Uint32Array)
  const labels: Record<string, number> = {}
  let skipped = 0
  let lastReport = 0
  const opened = await openSource(params.source, {
    signal: ctx.signal,
    problem: () => skipped++,
    progress: (done, total, unit) => {
      const now = Date.now()
      if (now - lastReport < 100) return
      lastReport = now
      ctx.progress(done, total, unit, `${lengths.length.toLocaleString('en')} examples read`)
    },
  })
  let length = 0
  const count = (id: number) => {
    counts[id] = (counts[id] ?? 0) + 1
    length++
  }
  for await (const example of opened.examples) {
    ctx.throwIfCancelled()
    // A treebank's figures are its sentences': the import adds the phrases to train only.
    if (example.phrase) continue
    length = 0
    internTokens(cleanText(example.text, preprocess), preprocess.tokenizer, tokens, count)
    lengths.push(length)
    labels[example.label] = (labels[example.label] ?? 0) + 1
  }
  const kept = buildVocabulary(tokens.tokens, Uint32Array.from(counts), params.vocab)
  return {
    examples: lengths.length,
    labels,
    lengths: lengthStats(lengths.view(), params.sequence.maxLen),
    vocabSize: kept.tokens.length,
    skipped,
    durationMs: Date.now() - started,
  }
}
