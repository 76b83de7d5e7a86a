/**
 * Accuracy on real datasets beyond aclImdb: Auto (its time budget), NBSVM, `fasttext-bigram` and
 * `recommended`, trained the way the app trains them, beside the fastText binary on the same
 * train / validation / test examples and beside the published figures.
 *
 * Each dataset is written as a `train|test/<class>/<n>.txt` folder with its split (official where
 * there is one, seeded otherwise) and imported through the app, which carves validation from train
 * (10%, seeded). fastText trains on the app's own train examples, tests on its test examples, and its
 * autotune validates on the app's validation examples.
 *
 * `sst5-phrases` imports SST's PTB trees as a treebank instead (train + dev trees in one file, the
 * test trees as its test file): the training split holds every distinct labelled phrase of its trees,
 * validation and test are sentences; fastText trains on the same sentences and phrases.
 *
 * `--folds N` (N ≥ 2) measures a dataset without an official split (rt-polarity) the way its published
 * figures were: N-fold cross-validation (seeded, per class), NBSVM, the bag presets and fastText
 * (defaults, bigrams) on every fold, their mean and spread; Auto and fastText's autotune on the first
 * `--auto-folds` folds (default 1: N of them take N times their budgets), with their own mean.
 *
 *   npm run bench -- --only accuracy [--datasets rt-polarity,sst5,sst5-phrases,tweets,tweets-no-emoticons,aclimdb]
 *     [--budget 5] [--autotune 300] [--folds 10] [--auto-folds 1] [--presets nbsvm,fasttext-bigram] [--data ../shared/data]
 *     [--backend auto|tensorflow|wasm]
 *
 * A preset row may set settings over the preset's: `--presets recommended,recommended:bagRefit=false+endOfText=true`.
 *
 * `--budget 0` leaves Auto out and `--autotune 0` fastText's autotune (a lean run of the presets).
 * `--backend` (default `auto`: the app's own choice, the detected best) is what Auto and the presets
 * train on; the rows say which it was.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { createAppContext, type AppContext } from '../src/main/core/app-context'
import { ForkLauncher } from '../src/main/core/jobs/launcher'
import { seededRandom, shuffle } from '../src/main/core/datasets/splits'
import { parseTree } from '../src/main/core/datasets/sources/treebank'
import type { DatasetSummary } from '../src/shared/datasets'
import { resultOf } from '../src/shared/job-catalog'
import { findPreset } from '../src/shared/training/presets'
import type { RunRecord } from '../src/shared/training/results'
import type { BackendName } from '../src/shared/types'
import { fastTextLine, fastTextMissing, fastTextRun, fastTextVersion, type FastTextResult } from './fasttext'
import { readArchiveTexts } from './training'

const worker = join(__dirname, '..', 'src', 'main', 'worker', 'index.ts')

/** A dataset's examples by split and class, and what the literature reports on it. */
type Examples = { train: [string, string][]; test: [string, string][] }

interface Source {
  name: string
  split: string
  published: string
  examples: (data: string) => Promise<Examples | string>
  /** A source without an official split: its texts by class, which `--folds` cuts into folds. */
  byClass?: (data: string) => Record<string, string[]> | string
  /** A treebank, imported as one (`examples` unused): its train and test tree files, or why not. */
  trees?: (data: string, dir: string) => { path: string; testPath: string } | string
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)

/** Fold `k` of `folds` as test (each class's texts in one seeded order, every folds-th from k), the rest as train. */
function fold(byClass: Record<string, string[]>, folds: number, k: number): Examples {
  const train: [string, string][] = []
  const test: [string, string][] = []
  for (const [label, texts] of Object.entries(byClass))
    shuffle([...texts], seededRandom(7)).forEach((t, i) => (i % folds === k ? test : train).push([label, t]))
  return { train, test }
}

/** Seeded `share` of each class held out for test. */
function holdOut(byClass: Record<string, string[]>, share: number) {
  const train: [string, string][] = []
  const test: [string, string][] = []
  for (const [label, texts] of Object.entries(byClass)) {
    const order = shuffle([...texts], seededRandom(7))
    const cut = Math.round(order.length * share)
    order.forEach((t, i) => (i < cut ? test : train).push([label, t]))
  }
  return { train, test }
}

/** ASCII emoticons such as :) :-( ;D :'( =) <3 and their mirrored forms, which the tweets' labels came from. */
const emoticon = /(?:[:;=8][-'^o]?[)(\][dDpP/\\|*3]+|[)(\][][-'^o]?[:;=8]|<3)/g

async function tweets(data: string, keepEmoticons: boolean) {
  const dir = join(data, 'twitter_samples')
  const read = (file: string) =>
    // relax_quotes: a few tweets have a quote inside an unquoted field (`"hi"there`), which strict CSV refuses.
    (
      parse(readFileSync(join(dir, file)), {
        columns: (h: string[]) => h.map((c) => c.trim()),
        relax_quotes: true,
      }) as Record<string, string>[]
    )
      .map((r) => r.tweet_text ?? '')
      .map((t) => (keepEmoticons ? t : t.replace(emoticon, ' ')))
  const pos = read('positive_tweets.csv')
  const neg = read('negative_tweets.csv')
  // The usual split: the first 4,000 of each class for training, the last 1,000 for test.
  const part = (texts: string[], label: string, from: number, to?: number) =>
    texts.slice(from, to).map((t): [string, string] => [label, t])
  return {
    train: [...part(pos, 'pos', 0, 4000), ...part(neg, 'neg', 0, 4000)],
    test: [...part(pos, 'pos', 4000), ...part(neg, 'neg', 4000)],
  }
}

function rtPolarity(data: string): Record<string, string[]> | string {
  const dir = join(data, 'rt-polaritydata', 'utf8')
  if (!existsSync(dir)) return `${dir} not found`
  return { pos: lines(join(dir, 'rt-polarity.pos')), neg: lines(join(dir, 'rt-polarity.neg')) }
}

const sources: Source[] = [
  {
    name: 'rt-polarity',
    split: 'seeded 90/10 per class',
    published: 'NBSVM 79.4%, MNB 79.0%, Kim CNN 76.1-81.5% (10-fold CV)',
    examples: async (data) => {
      const byClass = rtPolarity(data)
      return typeof byClass === 'string' ? byClass : holdOut(byClass, 0.1)
    },
    byClass: rtPolarity,
  },
  {
    name: 'sst5',
    split: 'official: train + dev for training (validation carved from them), official test',
    published: 'SVM 40.7%, RNTN 45.7%, Kim CNN 48.0%',
    examples: async (data) => {
      const dir = join(data, 'sst5')
      if (!existsSync(dir)) return `${dir} not found`
      const read = (file: string) =>
        lines(join(dir, file)).map((l): [string, string] => {
          const tab = l.indexOf('\t')
          return [l.slice('__label__'.length, tab), l.slice(tab + 1)]
        })
      return { train: [...read('sst_train.txt'), ...read('sst_dev.txt')], test: read('sst_test.txt') }
    },
  },
  {
    name: 'sst5-phrases',
    split:
      'official trees: train + dev for training (validation carved from the sentences), official test; input: every labelled phrase of the training trees (test and validation: sentences)',
    published: 'NB 41.0%, SVM 40.7%, RNTN 45.7%, Kim CNN-rand 45.0%, CNN-non-static 48.0% (all trained on phrases)',
    examples: async () => 'a treebank',
    trees: (data, dir) => {
      const trees = join(data, 'sst5', 'trees')
      if (!existsSync(trees)) return `${trees} not found`
      mkdirSync(dir, { recursive: true })
      const path = join(dir, 'train+dev.txt')
      writeFileSync(path, readFileSync(join(trees, 'train.txt'), 'utf8') + readFileSync(join(trees, 'dev.txt'), 'utf8'))
      return { path, testPath: join(trees, 'test.txt') }
    },
  },
  {
    name: 'tweets',
    split: 'first 4,000 / last 1,000 of each class, emoticons kept',
    published: 'emoticons kept: about 99.5% (the labels come from them)',
    examples: async (data) =>
      existsSync(join(data, 'twitter_samples')) ? tweets(data, true) : `${join(data, 'twitter_samples')} not found`,
  },
  {
    name: 'tweets-no-emoticons',
    split: 'first 4,000 / last 1,000 of each class, ASCII emoticons removed',
    published: 'none known',
    examples: async (data) =>
      existsSync(join(data, 'twitter_samples')) ? tweets(data, false) : `${join(data, 'twitter_samples')} not found`,
  },
  {
    name: 'aclimdb',
    split: 'official 25,000 / 25,000',
    published: 'NBSVM bigrams 91.2%, fastText bigrams 89.6% (Wang & Manning 2012; Joulin et al. 2016)',
    examples: async (data) => {
      const archive = join(data, 'aclImdb_v1_labelled.tar.gz')
      if (!existsSync(archive)) return `${archive} not found`
      const train: [string, string][] = []
      const test: [string, string][] = []
      for (const [rel, text] of await readArchiveTexts(archive)) {
        const [split, label] = rel.split('/')
        ;(split === 'train' ? train : test).push([label!, text])
      }
      return { train, test }
    },
  },
]

export interface AccuracyOptions {
  datasets?: string
  budgetMinutes: number
  autotuneSeconds: number
  /** Cross-validation folds for a source without an official split; 1: its seeded hold-out. */
  folds: number
  /** Of those folds, how many (the first) Auto and fastText's autotune run on. */
  autoFolds: number
  /** The preset rows (default nbsvm, fasttext-bigram, recommended). */
  presets?: string
  /** The backend Auto and the presets train on: `auto` (the default) is the app's choice, the detected best. */
  backend: 'auto' | BackendName
}

interface Row {
  model: string
  testAccuracy: number | null
  macroF1: number | null
  seconds: number | null
  detail: string
}

export async function benchAccuracy(work: string, data: string, options: AccuracyOptions) {
  const wanted = options.datasets?.split(',').map((s) => s.trim()) ?? sources.map((s) => s.name)
  const unknown = wanted.filter((n) => !sources.some((s) => s.name === n))
  if (unknown.length)
    throw new Error(`Unknown dataset ${unknown.join(', ')}; there are ${sources.map((s) => s.name).join(', ')}.`)
  const scratch = mkdtempSync(join(work, 'accuracy-'))
  const ctx = createAppContext({
    dataDir: join(scratch, 'data'),
    launcher: new ForkLauncher(worker),
    transport: 'cli',
    jobs: { graceMs: 2000 },
  })
  const fastTextWhy = fastTextMissing()
  const results: Record<string, unknown>[] = []
  try {
    // Detected once before any row, as the app does when it opens: else Auto's budget pays for it
    // (its first trial's start, a minute and more on a loaded machine).
    const t0 = performance.now()
    await ctx.request('backends.detect', {})
    log(`backends detected in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    for (const source of sources.filter((s) => wanted.includes(s.name))) {
      const byClass = options.folds > 1 ? source.byClass?.(data) : undefined
      if (typeof byClass === 'string') {
        results.push({ dataset: source.name, status: `skipped: ${byClass} (pass --data DIR)` })
        continue
      }
      if (byClass) {
        results.push(await crossValidate(ctx, scratch, source, byClass, options, fastTextWhy))
        continue
      }
      const input = source.trees?.(data, join(scratch, source.name)) ?? (await source.examples(data))
      if (typeof input === 'string') {
        results.push({ dataset: source.name, status: `skipped: ${input} (pass --data DIR)` })
        continue
      }
      const { dataset, rows } = await measure(ctx, scratch, source.name, input, options, fastTextWhy, true)
      results.push({
        dataset: source.name,
        split: source.split,
        counts: dataset.counts,
        classes: dataset.classes,
        published: source.published,
        rows,
      })
      printTable(source.name, source.split, source.published, rows)
    }
  } finally {
    await ctx.close()
    rmSync(scratch, { recursive: true, force: true })
  }
  return { fastText: fastTextWhy ?? `fasttext ${fastTextVersion() ?? ''}`.trim(), datasets: results }
}

const log = (line: string) => process.stderr.write(`accuracy: ${line}\n`)

/**
 * One split imported through the app (examples as a class folder, or tree files as a treebank), and
 * its rows: Auto and fastText's autotune when `searches`, the presets, fastText.
 */
async function measure(
  ctx: AppContext,
  scratch: string,
  name: string,
  input: Examples | { path: string; testPath: string },
  options: AccuracyOptions,
  fastTextWhy: string | null,
  searches: boolean,
): Promise<{ dataset: DatasetSummary; rows: Row[] }> {
  const trees = 'path' in input
  const source = trees
    ? ({ format: 'treebank', ...input } as const)
    : ({ format: 'folder', path: writeFolder(join(scratch, name), input) } as const)
  const dataset = resultOf(
    await ctx.jobs.finished(
      await ctx.request('datasets.import', { spec: { name, source, split: { valRatio: 0.1, seed: 42 } } }),
    ),
  )
  log(
    `${name}: ${dataset.counts.train} train${dataset.phrases ? ` (${dataset.phrases} of them phrases)` : ''} / ${dataset.counts.val} val / ${dataset.counts.test} test, ${dataset.classes.length} classes, imported in ${(dataset.durationMs / 1000).toFixed(1)} s`,
  )
  const rows: Row[] = []
  if (searches && options.budgetMinutes > 0)
    rows.push(await autoRow(ctx, dataset, options.budgetMinutes, options.backend))
  for (const spec of options.presets?.split(',') ?? ['nbsvm', 'fasttext-bigram', 'recommended'])
    if (findPreset(spec.trim().split(':')[0]!)) rows.push(await presetRow(ctx, dataset, spec.trim(), options.backend))
  if (!fastTextWhy) {
    const lines = trees ? treebankLines : folderLines(source.path)
    rows.push(...fastTextRows(ctx, dataset, lines, join(scratch, `${name}-ft`), options, searches))
  }
  return { dataset, rows }
}

/**
 * Deletes the finished runs (their checkpoints and bundles: about 0.9 GB a fold of rt-polarity with
 * NBSVM's 2,000,000 buckets), so a 10-fold run does not fill the disk.
 */
async function forgetRuns(ctx: AppContext): Promise<void> {
  for (const run of ctx.runs.list(100_000))
    if (run.status !== 'running' && run.status !== 'queued') await ctx.request('runs.delete', { id: run.id })
}

/** N-fold cross-validation: every row on every fold but Auto and autotune (the first `autoFolds`); mean and spread. */
async function crossValidate(
  ctx: AppContext,
  scratch: string,
  source: Source,
  byClass: Record<string, string[]>,
  options: AccuracyOptions,
  fastTextWhy: string | null,
) {
  const perFold: Row[][] = []
  for (let k = 0; k < options.folds; k++) {
    const name = `${source.name}-fold${k + 1}`
    const { rows } = await measure(
      ctx,
      scratch,
      name,
      fold(byClass, options.folds, k),
      options,
      fastTextWhy,
      k < options.autoFolds,
    )
    perFold.push(rows)
    printTable(name, `fold ${k + 1} of ${options.folds}`, source.published, rows)
    await forgetRuns(ctx)
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const rows: Row[] = perFold[0]!.map((first) => {
    const all = perFold.map((rows) => rows.find((r) => r.model === first.model)).filter((r) => r !== undefined)
    const accs = all.map((r) => r.testAccuracy).filter((a) => a !== null)
    if (all.length < 2 || accs.length < all.length) return { ...first, detail: `fold 1 only; ${first.detail}` }
    const m = mean(accs)
    const sd = Math.sqrt(mean(accs.map((a) => (a - m) ** 2)))
    return {
      model: first.model,
      testAccuracy: m,
      macroF1: mean(all.map((r) => r.macroF1 ?? 0)),
      seconds: +mean(all.map((r) => r.seconds ?? 0)).toFixed(1),
      detail: `mean of ${all.length} folds, sd ${(sd * 100).toFixed(2)} points (${accs.map((a) => (a * 100).toFixed(1)).join(' ')})`,
    }
  })
  const split = `${options.folds}-fold cross-validation (seeded per class), validation 10% of each fold's train`
  printTable(source.name, split, source.published, rows)
  return { dataset: source.name, split, published: source.published, rows, folds: perFold }
}

function writeFolder(dir: string, examples: { train: [string, string][]; test: [string, string][] }): string {
  for (const [split, list] of Object.entries(examples))
    list.forEach(([label, text], i) => {
      mkdirSync(join(dir, split, label), { recursive: true })
      writeFileSync(join(dir, split, label, `${i}.txt`), text)
    })
  return dir
}

const figures = (run: RunRecord, seconds: number, detail: string): Row => ({
  model: run.preset ?? 'custom',
  testAccuracy: run.test?.accuracy ?? null,
  macroF1: run.test?.f1 ?? null,
  seconds: +seconds.toFixed(1),
  detail: run.status === 'succeeded' ? detail : `${run.status}: ${run.error ?? ''} ${detail}`,
})

/** Settings over a preset's, from a row spec `preset:key=value+key=value` (values as JSON, else strings). */
function overridesOf(spec: string): Record<string, unknown> {
  const settings = spec.split(':')[1]
  if (!settings) return {}
  return Object.fromEntries(
    settings.split('+').map((kv) => {
      const [key, value = ''] = kv.split('=')
      try {
        return [key, JSON.parse(value)]
      } catch {
        return [key, value]
      }
    }),
  )
}

async function presetRow(
  ctx: AppContext,
  dataset: DatasetSummary,
  spec: string,
  backend: AccuracyOptions['backend'],
): Promise<Row> {
  const t0 = performance.now()
  const preset = spec.split(':')[0]!
  const overrides = overridesOf(spec)
  const queued = await ctx.request('runs.start', { datasetId: dataset.id, preset, overrides, backend })
  const run = await ctx.runs.started(queued.id)
  await ctx.jobs.wait(run.jobId!)
  const done = ctx.runs.get(run.id)
  log(`${dataset.name} ${spec}: ${done.status} ${((done.test?.accuracy ?? 0) * 100).toFixed(2)}%`)
  const settings = Object.keys(overrides).length ? `, ${JSON.stringify(overrides)}` : ''
  return {
    ...figures(
      done,
      (performance.now() - t0) / 1000,
      `preset ${preset} with the app's defaults${settings}, ${done.backend}`,
    ),
    model: spec,
  }
}

async function autoRow(
  ctx: AppContext,
  dataset: DatasetSummary,
  budgetMinutes: number,
  backend: AccuracyOptions['backend'],
): Promise<Row> {
  const t0 = performance.now()
  const search = await ctx.request('auto.start', { datasetId: dataset.id, budgetMinutes, backend })
  const done = await ctx.auto.wait(search.id)
  const seconds = (performance.now() - t0) / 1000
  if (!done.bestRunId)
    return { model: 'auto', testAccuracy: null, macroF1: null, seconds, detail: `${done.status}: ${done.error}` }
  const winner = done.trials.find((t) => t.runId === done.bestRunId)!
  log(`${dataset.name} auto: ${done.trials.length} trials, best ${winner.label}`)
  for (const t of done.trials)
    log(
      `  ${t.label}, rung ${t.rung + 1}, ${t.epochs} epochs: ${t.status}, validation ${t.validationAccuracy === null ? '-' : `${(t.validationAccuracy * 100).toFixed(2)}%`}, ${((t.wallMs ?? 0) / 1000).toFixed(0)} s`,
    )
  const tested = ctx.runs.get(done.testedRunId ?? done.bestRunId)
  return {
    ...figures(tested, seconds, ''),
    model: `auto (${budgetMinutes} min)`,
    detail: `${done.trials.length} trials; best: ${winner.label}, rung ${winner.rung + 1}, ${winner.epochs} epochs${done.refit ? '; refit on train + validation' : ''}; ${tested.backend}`,
  }
}

/** fastText lines of a split's examples, from the sources the import recorded (one per example). */
type SplitLines = (sources: string[], split: 'train' | 'val' | 'test') => string[]

/** A class folder: each source is `<split>/<class>/<n>.txt`. */
const folderLines =
  (folder: string): SplitLines =>
  (rels) =>
    rels.map((rel) => fastTextLine(rel.split('/').at(-2)!, readFileSync(join(folder, rel), 'utf8')))

/**
 * A treebank: each source is `file:line`, once per sentence and once per phrase the import kept. The
 * training file gets each distinct sentence and phrase of its trees once, as the import does.
 */
const treebankLines: SplitLines = (sources, split) => {
  const files = new Map<string, string[]>()
  const seen = new Set<string>()
  const out: string[] = []
  for (const where of new Set(sources)) {
    const at = where.lastIndexOf(':')
    const file = where.slice(0, at)
    if (!files.has(file)) files.set(file, readFileSync(file, 'utf8').split('\n'))
    const phrases = parseTree(files.get(file)![Number(where.slice(at + 1)) - 1]!)
    for (const p of split === 'train' ? phrases : phrases.slice(-1)) {
      const line = fastTextLine(p.label, p.text)
      if (split !== 'train' || !seen.has(line)) out.push(line)
      seen.add(line)
    }
  }
  return out
}

/** The app's own train / validation / test examples as fastText files, from the sources the import recorded. */
function fastTextRows(
  ctx: AppContext,
  dataset: DatasetSummary,
  lines: SplitLines,
  dir: string,
  options: AccuracyOptions,
  autotune: boolean,
): Row[] {
  mkdirSync(dir, { recursive: true })
  const file = (split: 'train' | 'val' | 'test') => {
    const sources = readFileSync(join(ctx.datasets.folder(dataset.id), `${split}.sources.txt`), 'utf8')
      .split('\n')
      .filter(Boolean)
    const out = lines(sources, split)
    // fastText reads its input in order and does not shuffle: a file sorted by class trains badly.
    if (split === 'train') shuffle(out, seededRandom(42))
    writeFileSync(join(dir, `${split}.txt`), out.join('\n') + '\n')
    return join(dir, `${split}.txt`)
  }
  const [train, val, test] = [file('train'), file('val'), file('test')]
  const row = (model: string, r: FastTextResult): Row => {
    log(`${dataset.name} ${model}: ${(r.testAccuracy * 100).toFixed(2)}%`)
    return {
      model,
      testAccuracy: r.testAccuracy,
      macroF1: r.macroF1,
      seconds: r.trainSeconds,
      detail: r.command.replaceAll(`${dir}/`, ''),
    }
  }
  // fastText's default is 12 threads whatever the machine: give it one per core, as the app uses.
  const threads = ['-thread', String(cpus().length)]
  const rows = [
    row('fastText (defaults)', fastTextRun(train, test, join(dir, 'uni'), threads)),
    row('fastText bigrams', fastTextRun(train, test, join(dir, 'bi'), ['-wordNgrams', '2', ...threads])),
  ]
  if (!autotune || options.autotuneSeconds <= 0) return rows
  return [
    ...rows,
    row(
      `fastText autotune (${options.autotuneSeconds} s)`,
      fastTextRun(train, test, join(dir, 'auto'), [
        '-autotune-validation',
        val,
        '-autotune-duration',
        String(options.autotuneSeconds),
        ...threads,
      ]),
    ),
  ]
}

function printTable(name: string, split: string, published: string, rows: Row[]): void {
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`)
  const lines = [
    `\n${name} (${split}); published: ${published}`,
    `${'model'.padEnd(30)} ${'test acc'.padStart(9)} ${'macro F1'.padStart(9)} ${'seconds'.padStart(8)}  detail`,
    ...rows.map(
      (r) =>
        `${r.model.padEnd(30)} ${pct(r.testAccuracy).padStart(9)} ${(r.macroF1?.toFixed(4) ?? '—').padStart(9)} ${String(r.seconds ?? '—').padStart(8)}  ${r.detail}`,
    ),
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
