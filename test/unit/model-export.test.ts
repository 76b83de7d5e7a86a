/**
 * "Export model": the generated sentiment.mjs is what scripts/standalone.mjs builds from sentiment.ts
 * today; its encoder gives the app's encoder's model rows for every kind of preprocessing (sequence
 * and bag, each cleaning, tokenizer, padding and truncation); and an exported folder, served over
 * HTTP and loaded with plain @tensorflow/tfjs, gives the app's probabilities. Real runs, files,
 * worker processes and tfjs.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs script
import { generate, generatedFile } from '../../scripts/standalone.mjs'
import type { AppContext } from '../../src/main/core/app-context'
import { cleanText, tokenize } from '../../src/main/core/datasets/preprocess'
import { encodeTexts, modelInputOf, type Bundle, type Preprocessing } from '../../src/main/core/engine/bundle'
import { modelRows } from '../../src/main/core/engine/data'
import type * as Standalone from '../../src/main/core/model-export/sentiment'
import { sentimentModule } from '../../src/main/core/model-export/sentiment-module'
import { createAppContext } from '../../src/main/core/app-context'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { confinedPolicy } from '../../src/main/core/security/path-policy'
import type { PreprocessSpec } from '../../src/shared/datasets'
import { resultOf } from '../../src/shared/job-catalog'
import { defaultConfig, type TrainConfig } from '../../src/shared/training/config'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick, trainRun, type SyntheticTexts } from '../fixtures/training'
import type { DatasetSummary } from '../../src/shared/datasets'

// Real tfjs fits the module's structural view of it (a type check, here).
const _fits: Standalone.TfLike<tf.Tensor> = tf

let dir: string
let standalone: typeof Standalone

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-model-export-'))
  writeFileSync(join(dir, 'sentiment.mjs'), sentimentModule)
  standalone = (await import(pathToFileURL(join(dir, 'sentiment.mjs')).href)) as typeof Standalone
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const texts = [
  'A wonderful, moving film!<br /><br />I loved it &amp; its cast &#233;',
  "It's not the worst, but don't watch it: 2 stars out of 10 http://example.com/x?y=1 www.films.org",
  'Naïve café-style well-made romance… “Great” — I’d say 10/10 😀',
  '',
  'Great film',
  '   \n\t ',
  'the the the the the the the the the the the the the the the the the the the the the the end',
  'Unknown zyzzyva words mixed with great and awful ones',
  "SHOUTING LOUD!!! (really) isn't it? `quoted' can't won't",
]

/** A vocabulary holding the tokens of half the texts (the rest are unknown), as vocab.txt lists it. */
function vocabularyFor(spec: PreprocessSpec): string[] {
  const tokens = new Set<string>()
  for (const t of texts.filter((_, i) => i % 2 === 0))
    for (const w of tokenize(cleanText(t, spec), spec.tokenizer)) tokens.add(w)
  return ['<pad>', '<unk>', ...tokens]
}

const specs: PreprocessSpec[] = [
  { stripHtml: true, lowercase: true, clean: 'none', tokenizer: 'word' },
  { stripHtml: false, lowercase: false, clean: 'none', tokenizer: 'whitespace' },
  { stripHtml: true, lowercase: true, clean: 'basic', tokenizer: 'word' },
  { stripHtml: true, lowercase: false, clean: 'kim', tokenizer: 'whitespace' },
]
const inputs: Partial<TrainConfig>[] = [
  { model: 'lstm', maxLen: 8, padding: 'pre', truncating: 'pre' },
  { model: 'cnn', maxLen: 8, padding: 'post', truncating: 'post' },
  { model: 'rnn', maxLen: 40, padding: 'post', truncating: 'pre' },
  { model: 'ngram-bag', maxLen: 10, ngrams: 2, hashBuckets: 1000, truncating: 'pre' },
  { model: 'ngram-bag', maxLen: 30, ngrams: 3, hashBuckets: 5000, truncating: 'post' },
  { model: 'ngram-bag', maxLen: 6, ngrams: 1, hashBuckets: 1000, truncating: 'post' },
  { model: 'nbsvm', maxLen: 12, ngrams: 2, hashBuckets: 1000, truncating: 'post' },
  // The end-of-text word, as fastText's </s>.
  { model: 'ngram-bag', maxLen: 10, ngrams: 2, hashBuckets: 1000, truncating: 'pre', endOfText: true },
  { model: 'ngram-bag', maxLen: 6, ngrams: 1, hashBuckets: 1000, truncating: 'post', endOfText: true },
  { model: 'nbsvm', maxLen: 12, ngrams: 3, hashBuckets: 1000, truncating: 'post', endOfText: true },
]

describe('sentiment.mjs', () => {
  it('is what scripts/standalone.mjs builds from sentiment.ts today', async () => {
    expect(await generate(), 'src/main/core/model-export/sentiment-module.ts is stale: run npm run standalone').toBe(
      readFileSync(generatedFile, 'utf8'),
    )
  })

  it.each(specs.flatMap((spec) => inputs.map((input) => [spec, input] as const)))(
    'encodes as the app does: %j, %j',
    (spec, input) => {
      const vocabulary = vocabularyFor(spec)
      const config: TrainConfig = { ...defaultConfig, ...input }
      const preprocessing: Preprocessing = {
        version: 1,
        preprocess: spec,
        vocabSize: vocabulary.length,
        padId: 0,
        unkId: 1,
        input: modelInputOf(config),
        classes: ['neg', 'pos'],
        output: 'sigmoid',
      }
      // The app's encoder needs no model: the bundle's preprocessing, vocabulary and config.
      const bundle = { preprocessing, vocab: new Map(vocabulary.map((t, i) => [t, i])), config } as Omit<
        Bundle,
        'model'
      > as Bundle
      const { ids, offsets } = encodeTexts(bundle, texts)
      const app = modelRows(ids, offsets, config, vocabulary.length)
      const encoder = standalone.createEncoder(preprocessing, vocabulary)
      expect(encoder.width).toBe(app.width)
      expect(Array.from(encoder.encode(texts))).toEqual(Array.from(app.x))
      expect(encoder.tokens(texts[7]!).map((t) => t.id)).toEqual(Array.from(ids.subarray(offsets[7], offsets[8])))
    },
  )
})

describe('Export model', () => {
  let ctx: AppContext
  let data: DatasetSummary & SyntheticTexts
  const runs: Record<string, RunRecord> = {}
  let server: Server
  let origin: string

  beforeAll(async () => {
    ctx = appContext(join(dir, 'data'))
    data = await importSyntheticDataset(ctx, dir, 40)
    runs.bag = await trainRun(ctx, data.id, 'fasttext-bigram', { ...quick, learningRate: 0.05 })
    runs.sequence = await trainRun(ctx, data.id, 'kim-cnn', { ...quick, filterSizes: [2, 3] })
    for (const run of Object.values(runs)) expect(run.status, run.error ?? '').toBe('succeeded')
    // The exported folders over HTTP, as a browser would load them.
    server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(dir, 'exports', decodeURIComponent(req.url!.replace(/^\//, '')))))
      } catch {
        res.writeHead(404).end()
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }, 240_000)
  afterAll(async () => {
    server?.close()
    await ctx?.close()
  })

  /** The app's probabilities for the texts: a score job over them, one per line. */
  async function appProbabilities(runId: string, lines: string[]): Promise<number[][]> {
    const file = join(dir, `texts-${runId}.txt`)
    writeFileSync(file, `${lines.join('\n')}\n`)
    const job = await ctx.request('scores.start', { runId, input: { format: 'fasttext', path: file } })
    const outcome = resultOf(await ctx.jobs.finished(job))
    expect(outcome.scored).toBe(lines.length)
    const page = await ctx.request('scores.results', { id: job.params.scoreId, limit: 1000 })
    return page.rows.map((r) => r.probs)
  }

  it.each(['bag', 'sequence'])(
    'writes a folder that plain tfjs loads over HTTP and scores as the app does (%s model)',
    async (which) => {
      const run = runs[which]!
      const out = join(dir, 'exports', which)
      const written = await ctx.request('runs.exportModel', { id: run.id, out })
      expect(written.path).toBe(out)
      expect(readdirSync(out).sort()).toEqual(
        [
          'index.html',
          'metadata.json',
          'model.json',
          'preprocessing.json',
          'sentiment.mjs',
          'vocab.txt',
          'weights.bin',
        ].sort(),
      )
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain(
        `https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@${tf.version.tfjs}/dist/tf.fesm.min.js`,
      )
      const lines = [...data.test.slice(0, 30).map((t) => t.text), 'zyzzyva', 'WONDERFUL & superb, the plot!']
      const exported = (await import(pathToFileURL(join(out, 'sentiment.mjs')).href)) as typeof Standalone
      const model = await exported.loadSentimentModel<tf.Tensor>(tf, `${origin}/${which}/`)
      expect(model.classes).toEqual(['neg', 'pos'])
      const mine = await model.predict(lines)
      const app = await appProbabilities(run.id, lines)
      expect(mine).toHaveLength(lines.length)
      for (const [i, probs] of mine.entries())
        for (const [k, p] of probs.entries()) expect(Math.abs(p - app[i]![k]!), `${lines[i]} ${k}`).toBeLessThan(1e-5)
    },
    120_000,
  )

  it('replaces an earlier export, refuses a folder holding other files or a run without a model', async () => {
    const out = join(dir, 'exports', 'again')
    await ctx.request('runs.exportModel', { id: runs.bag!.id, out })
    await ctx.request('runs.exportModel', { id: runs.bag!.id, out })
    const busy = join(dir, 'busy')
    mkdirSync(busy)
    writeFileSync(join(busy, 'thesis.tex'), 'mine')
    expect(await ctx.invoke('runs.exportModel', { id: runs.bag!.id, out: busy })).toMatchObject({
      ok: false,
      error: { field: 'out', message: expect.stringMatching(/other files/) },
    })
    expect(readFileSync(join(busy, 'thesis.tex'), 'utf8')).toBe('mine')
    expect(await ctx.invoke('runs.exportModel', { id: 'nope', out: join(dir, 'x') })).toMatchObject({ ok: false })
  })

  it('in serve mode, writes only inside the allowed folders', async () => {
    const root = join(dir, 'allowed')
    mkdirSync(root)
    const served = createAppContext({
      dataDir: join(dir, 'data'),
      launcher: new ForkLauncher(join(__dirname, '..', '..', 'src', 'main', 'worker', 'index.ts')),
      transport: 'serve',
      pathPolicy: confinedPolicy({ roots: [root] }),
    })
    try {
      expect(await served.invoke('runs.exportModel', { id: runs.bag!.id, out: join(dir, 'outside') })).toMatchObject({
        ok: false,
        error: { code: 'forbidden', field: 'out' },
      })
      expect(await served.invoke('runs.exportModel', { id: runs.bag!.id, out: join(root, 'model') })).toMatchObject({
        ok: true,
      })
    } finally {
      await served.close()
    }
  })

  it('from the CLI: runs export-model ID --out DIR', () => {
    const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
    const out = join(dir, 'exports', 'cli')
    const args = ['--import', 'tsx', cli, 'runs', 'export-model', runs.sequence!.id, '--out', out, '--json']
    const r = spawnSync(process.execPath, [...args, '--data-dir', join(dir, 'data')], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ path: out, files: expect.arrayContaining(['sentiment.mjs']) })
    const missing = spawnSync(process.execPath, [...args.slice(0, 6), '--data-dir', join(dir, 'data')], {
      encoding: 'utf8',
    })
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/--out DIR/)
  }, 60_000)
})
