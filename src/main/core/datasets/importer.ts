/**
 * The import: read a source once, keep token ids (not strings), then choose splits, build the
 * vocabulary from the training split only, and write the dataset's binary files. Runs in a job
 * process; main turns the written folder into a dataset record.
 */
import { basename } from 'node:path'
import { sourcePaths, type ImportSpec, type SourceProblem, type SplitName } from '../../../shared/datasets'
import type { ImportOutcome, JobParams } from '../../../shared/job-catalog'
import type { JobContext } from '../jobs/worker-runtime'
import { duplicateFigures, textHash } from './duplicates'
import { Growable } from './growable'
import { lengthStats } from './length-stats'
import { cleanText, internTokens } from './preprocess'
import { openSource } from './sources'
import { SourceError } from './sources/types'
import { assignSplitsWithPhrases, splitNames } from './splits'
import { writeDatasetFiles, type SplitData } from './store'
import { TokenInterner, buildVocabulary, type Vocabulary } from './vocabulary'

const firstProblems = 50
const splitCode = { train: 1, test: 2 } as const

export async function importDataset(params: JobParams<'import-dataset'>, ctx: JobContext): Promise<ImportOutcome> {
  const started = Date.now()
  const { spec } = params
  const problems: SourceProblem[] = []
  let problemCount = 0
  const tokens = new TokenInterner()
  const labels = new TokenInterner()
  const ids = new Growable(Uint32Array, 1 << 20)
  const offsets = new Growable(Uint32Array)
  const labelOf = new Growable(Uint16Array)
  const sourceSplit = new Growable(Int8Array)
  const ratings = new Growable(Int8Array)
  const sources: string[] = []
  const lines = new Growable(Uint32Array) // 0: the source is a whole file
  const textKeys = new Growable(Float64Array)
  const sentenceOf = new Growable(Int32Array) // treebank phrases: their sentence's index; -1 for a sentence
  let sentence = -1
  let sawRating = false
  offsets.push(0)
  const pushId = (id: number) => ids.push(id)

  let lastReport = 0
  const opened = await openSource(spec.source, {
    signal: ctx.signal,
    problem: (p) => {
      problemCount++
      if (problems.length < firstProblems) problems.push(p)
    },
    progress: (done, total, unit) => {
      const now = Date.now()
      if (now - lastReport < 100) return
      lastReport = now
      ctx.progress(done, total, unit, `${sources.length.toLocaleString('en')} examples read`)
    },
  })

  for await (const example of opened.examples) {
    ctx.throwIfCancelled()
    const cleaned = cleanText(example.text, spec.preprocess)
    const hash = internTokens(cleaned, spec.preprocess.tokenizer, tokens, pushId)
    offsets.push(ids.length)
    labelOf.push(labels.intern(example.label))
    sourceSplit.push(example.split ? splitCode[example.split] : 0)
    ratings.push(example.rating ?? -1)
    if (example.rating !== undefined) sawRating = true
    sources.push(example.source)
    lines.push(example.line ?? 0)
    if (!example.phrase) sentence = sources.length - 1
    sentenceOf.push(example.phrase ? sentence : -1)
    // Duplicates are found by raw text: hashed again only where cleaning changed it.
    textKeys.push(cleaned === example.text ? hash : textHash(example.text))
  }
  const n = sources.length
  if (n === 0)
    throw new SourceError(
      problems[0]
        ? `No examples were found in ${sourceName(spec)}: all ${problemCount} were skipped, the first because ${problems[0].where}: ${problems[0].message}`
        : `No examples were found in ${sourceName(spec)}; check the format and the path.`,
    )

  // Classes in natural order (neg < pos, 1 < 2 < 10), so the same data always gives the same indices.
  const classes = [...labels.tokens].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  if (classes.length < 2)
    throw new SourceError(
      `Only one class ("${classes[0]}") was found in ${sourceName(spec)}; a classifier needs two or more.`,
    )
  const classIndex = labels.tokens.map((name) => classes.indexOf(name))
  const label = Uint16Array.from(labelOf.view(), (l) => classIndex[l]!)

  ctx.progress(n, n, 'examples', 'Choosing splits and the vocabulary…')
  const split = assignSplitsWithPhrases(sourceSplit.view(), label, sentenceOf.view(), textKeys.view(), spec.split)
  const allIds = ids.view()
  const allOffsets = offsets.view()

  const trainCounts = new Uint32Array(tokens.size)
  const classCounts: Record<SplitName, number[]> = { train: [], val: [], test: [] }
  for (const name of splitNames) classCounts[name] = new Array<number>(classes.length).fill(0)
  for (let i = 0; i < n; i++) {
    if (split[i]! < 0) continue
    classCounts[splitNames[split[i]!]!][label[i]!]!++
    if (split[i] !== 0) continue
    for (let k = allOffsets[i]!; k < allOffsets[i + 1]!; k++) trainCounts[allIds[k]!]!++
  }
  const empty = classes.filter((_, c) => classCounts.train[c] === 0)
  if (empty.length > 0)
    throw new SourceError(
      `The class${empty.length > 1 ? 'es' : ''} ${empty.map((c) => `"${c}"`).join(', ')} ha${empty.length > 1 ? 've' : 's'} no training examples; add examples or change the label mapping.`,
    )
  const vocab = buildVocabulary(tokens.tokens, trainCounts, spec.vocab)

  const data = {} as Record<SplitName, SplitData>
  for (const [code, name] of splitNames.entries()) {
    const members: number[] = []
    for (let i = 0; i < n; i++) if (split[i] === code) members.push(i)
    data[name] = gather(members, allIds, allOffsets, vocab, label, sawRating ? ratings.view() : null, {
      sources,
      lines: lines.view(),
    })
  }

  ctx.progress(n, n, 'examples', 'Writing the dataset…')
  const fingerprint = await writeDatasetFiles(
    params.dir,
    { classes, vocabSize: vocab.tokens.length, counts: countsOf(data) },
    vocab,
    data,
  )

  // Lengths of the training sentences: phrases are shorter, and the models read whole sentences.
  const trainLengths = new Growable(Uint32Array)
  let phrases = 0
  sentenceOf.view().forEach((s, i) => {
    if (split[i] !== 0) return
    if (s >= 0) phrases++
    else trainLengths.push(allOffsets[i + 1]! - allOffsets[i]!)
  })

  return {
    name: spec.name ?? defaultName(spec),
    format: opened.format,
    sourcePath: sourceName(spec),
    encoding: describeEncodings(opened.encodings()),
    classes,
    counts: countsOf(data),
    classCounts,
    vocabSize: vocab.tokens.length,
    lengths: lengthStats(trainLengths.view(), spec.sequence.maxLen),
    duplicates: sentenceFigures(textKeys.view(), split, sentenceOf.view()),
    ...(phrases > 0 && { phrases }),
    skipped: { count: problemCount, first: problems },
    settings: spec,
    fingerprint,
    durationMs: Date.now() - started,
  }
}

/** Duplicates among sentences: a treebank's phrases repeat by nature. */
function sentenceFigures(keys: Float64Array, split: Int8Array, sentenceOf: Int32Array) {
  const kept: number[] = []
  sentenceOf.forEach((s, i) => s < 0 && kept.push(i))
  if (kept.length === keys.length) return duplicateFigures(keys, split)
  return duplicateFigures(
    Float64Array.from(kept, (i) => keys[i]!),
    Int8Array.from(kept, (i) => split[i]!),
  )
}

function gather(
  members: number[],
  ids: Uint32Array,
  offsets: Uint32Array,
  vocab: Vocabulary,
  label: Uint16Array,
  ratings: Int8Array | null,
  where: Pick<SplitData, 'sources' | 'lines'>,
): SplitData {
  let total = 0
  for (const i of members) total += offsets[i + 1]! - offsets[i]!
  // In the width the store writes, so it need not convert a copy.
  const out = vocab.tokens.length <= 0xffff ? new Uint16Array(total) : new Uint32Array(total)
  const { remap } = vocab
  const outOffsets = new Uint32Array(members.length + 1)
  let at = 0
  members.forEach((i, m) => {
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) out[at++] = remap[ids[k]!]!
    outOffsets[m + 1] = at
  })
  return {
    ids: out,
    offsets: outOffsets,
    labels: Uint16Array.from(members, (i) => label[i]!),
    ratings: ratings ? Int8Array.from(members, (i) => ratings[i]!) : null,
    sources: members.map((i) => where.sources[i]!),
    lines: Uint32Array.from(members, (i) => where.lines[i]!),
  }
}

const countsOf = (data: Record<SplitName, SplitData>): Record<SplitName, number> => ({
  train: data.train.labels.length,
  val: data.val.labels.length,
  test: data.test.labels.length,
})

function sourceName(spec: ImportSpec): string {
  return sourcePaths(spec.source).join(', ')
}

function defaultName(spec: ImportSpec): string {
  const path = sourcePaths(spec.source)[0] ?? 'dataset'
  return basename(path).replace(/(\.tar)?\.(gz|bz2|tgz|zip|txt|csv|tsv|jsonl)$/i, '') || 'dataset'
}

function describeEncodings(found: Record<string, number>): string {
  const names = Object.entries(found).sort((a, b) => b[1] - a[1])
  if (names.length <= 1) return names[0]?.[0] ?? 'utf-8'
  return names.map(([e, count]) => `${e} (${count} files)`).join(', ')
}
