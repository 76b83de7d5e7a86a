/** The wizard's live preview: the first examples of a source, cleaned and tokenized, with sample figures. */
import type { DatasetPreview } from '../../../shared/datasets'
import type { ParsedPayload } from '../../../shared/contract'
import { preprocessSchema, sequenceSchema, vocabSchema } from '../../../shared/datasets'
import { ApiError } from '../../../shared/errors'
import { lengthStats } from './length-stats'
import { cleanText, tokenize } from './preprocess'
import { previewSource } from './sources'
import { SourceError, whereOf } from './sources/types'
import { TokenInterner, buildVocabulary } from './vocabulary'

export async function previewDataset(request: ParsedPayload<'datasets.preview'>): Promise<DatasetPreview> {
  const preprocess = request.preprocess ?? preprocessSchema.parse({})
  const vocab = request.vocab ?? vocabSchema.parse({})
  const sequence = request.sequence ?? sequenceSchema.parse({})
  let found
  try {
    found = await previewSource(request.source, request.count ?? 200)
  } catch (err) {
    if (err instanceof SourceError) throw new ApiError('failed', err.message, 'source.path')
    throw err
  }
  const interner = new TokenInterner()
  const counts: number[] = []
  const rows = found.examples.map((example) => {
    const cleaned = cleanText(example.text, preprocess)
    const tokens = tokenize(cleaned, preprocess.tokenizer)
    for (const t of tokens) {
      const id = interner.intern(t)
      counts[id] = (counts[id] ?? 0) + 1
    }
    const { line: _line, ...row } = example
    return { ...row, source: whereOf(example), cleaned, tokens }
  })
  const lengths = Uint32Array.from(rows, (r) => r.tokens.length)
  const kept = buildVocabulary(interner.tokens, Uint32Array.from(counts), vocab)
  return {
    format: found.format,
    formatReason: found.formatReason,
    encoding: found.encoding,
    columns: found.columns ?? null,
    delimiter: found.delimiter ?? null,
    header: found.header ?? null,
    rows,
    labelsSeen: found.labelsSeen,
    problems: found.problems,
    sample: { size: rows.length, lengths: lengthStats(lengths, sequence.maxLen), vocabSize: kept.tokens.length },
  }
}
