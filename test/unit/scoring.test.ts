/**
 * Scoring end to end on the real worker (job processes, wasm), SQLite and files: a tiny run scores
 * folders, delimited and fastText files and its own test split; bad inputs are listed, never fatal;
 * evaluation equals the run's own test figures; class names map; a cancelled job keeps its rows;
 * the CSV export round-trips; predict and explain; the predictor process per run.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppContext } from '../../src/main/core/app-context'
import { resultOf } from '../../src/shared/job-catalog'
import type { DatasetSummary } from '../../src/shared/datasets'
import type { ScoreRequestInput } from '../../src/shared/scoring'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { writeTree } from '../fixtures/dataset-files'
import { importSyntheticDataset, quick, trainRun, type SyntheticTexts } from '../fixtures/training'

let dir: string
let ctx: AppContext
let data: DatasetSummary & SyntheticTexts
let run: RunRecord

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-scoring-'))
  ctx = appContext(dir)
  data = await importSyntheticDataset(ctx, dir, 60)
  run = await trainRun(ctx, data.id, 'fasttext-bigram', { ...quick, learningRate: 0.05 })
  expect(run.status, run.error ?? '').toBe('succeeded')
}, 120_000)
afterAll(async () => {
  await ctx.close()
  rmSync(dir, { recursive: true, force: true })
})

async function score(request: Omit<ScoreRequestInput, 'runId'>) {
  const job = await ctx.request('scores.start', { runId: run.id, ...request })
  const done = await ctx.jobs.finished(job)
  return { outcome: resultOf(done), record: ctx.scores.get(job.params.scoreId) }
}

/** The test texts as an aclImdb-style folder (pos/, neg/), with bad files beside them. */
function testFolder(name: string, bad: Record<string, string | Uint8Array> = {}): string {
  const files: Record<string, string | Uint8Array> = { ...bad }
  data.test.forEach((t, i) => (files[`${t.label}/${i}.txt`] = t.text))
  return writeTree(join(dir, name), files)
}

describe('score jobs', () => {
  it("evaluated on the run's own test split, gives the run's own test figures exactly", async () => {
    const { outcome, record } = await score({ input: { format: 'dataset', datasetId: data.id, split: 'test' } })
    expect(outcome.scored).toBe(data.counts.test)
    const m = outcome.evaluation!.metrics
    const t = run.test!
    expect(m.accuracy).toBe(t.accuracy)
    expect(m.precision).toBe(t.precision)
    expect(m.recall).toBe(t.recall)
    expect(m.f1).toBe(t.f1)
    expect(m.confusion).toEqual(t.confusion)
    expect(m.auc).toBeCloseTo(t.auc!, 6)
    expect(m.loss).toBeCloseTo(t.loss, 4)
    expect(record.status).toBe('succeeded')
    expect(record.scored).toBe(data.counts.test)
    expect(ctx.scores.list(run.id).map((s) => s.id)).toContain(record.id)
  })

  it('scores a folder recursively, listing empty, binary, undecodable and oversized files without stopping', async () => {
    const path = testFolder('folder', {
      'pos/empty.txt': '',
      'neg/binary.txt': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0, 0]),
      'neg/bad-utf8.txt': new Uint8Array([0x67, 0x6f, 0x6f, 0x64, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x41]),
      'pos/huge.txt': 'great '.repeat(200_000),
      'notes.md': 'not a review',
      'unlabelled.txt': 'a wonderful film',
    })
    const { outcome, record } = await score({ input: { format: 'folder', path } })
    expect(outcome.scored).toBe(data.test.length + 1)
    const reasons = Object.fromEntries(outcome.skipped.map((s) => [s.path, s.reason]))
    expect(Object.keys(reasons).sort()).toEqual(['neg/bad-utf8.txt', 'neg/binary.txt', 'pos/empty.txt', 'pos/huge.txt'])
    expect(reasons['pos/empty.txt']).toMatch(/empty/)
    expect(reasons['neg/binary.txt']).toMatch(/binary/)
    expect(reasons['pos/huge.txt']).toMatch(/larger than 1 MiB/)
    expect(outcome.skippedCount).toBe(4)
    expect(record.skippedCount).toBe(4)
    // The raw test texts score as the run scored its test split.
    expect(outcome.evaluation!.labelled).toBe(data.test.length)
    expect(outcome.evaluation!.metrics.accuracy).toBe(run.test!.accuracy)
    expect(outcome.reviewsPerSecond).toBeGreaterThan(0)
  })

  it('pages, sorts and filters results server-side, opens a row, and exports CSV that round-trips', async () => {
    const { record } = await score({ input: { format: 'folder', path: testFolder('paging') } })
    const page = await ctx.request('scores.results', { id: record.id, sort: 'confidence', order: 'desc', limit: 10 })
    expect(page.total).toBe(data.test.length)
    expect(page.rows).toHaveLength(10)
    const conf = page.rows.map((r) => r.confidence)
    expect(conf).toEqual([...conf].sort((a, b) => b - a))
    const pos = await ctx.request('scores.results', { id: record.id, label: 'pos', minConfidence: 0.6, limit: 1000 })
    expect(pos.rows.every((r) => r.label === 'pos' && r.confidence >= 0.6)).toBe(true)
    const detail = await ctx.request('scores.row', { id: record.id, idx: page.rows[0]!.idx })
    const i = Number(/(\d+)\.txt$/.exec(detail.source)![1])
    expect(detail.text).toBe(data.test[i]!.text)
    const summary = await ctx.request('scores.summary', { id: record.id })
    expect(summary.counts.neg! + summary.counts.pos!).toBe(data.test.length)
    expect(
      Object.values(summary.histogram.counts)
        .flat()
        .reduce((a, b) => a + b, 0),
    ).toBe(data.test.length)

    const out = join(dir, 'export.csv')
    const exported = await ctx.request('scores.export', { id: record.id, path: out })
    expect(exported.rows).toBe(data.test.length)
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[]
    const all = await ctx.request('scores.results', { id: record.id, limit: 1000 })
    expect(rows.map((r) => [Number(r.id), r.source, r.label, Number(r.probability), r.truth])).toEqual(
      all.rows.map((r) => [r.idx, r.source, r.label, r.confidence, r.truth]),
    )
    expect(rows.map((r) => r.text)).toEqual(
      all.rows.map((r) => data.test[Number(/(\d+)\.txt$/.exec(r.source)![1])]!.text),
    )
    const jsonl = join(dir, 'export.jsonl')
    await ctx.request('scores.export', { id: record.id, path: jsonl })
    expect(
      readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).label),
    ).toEqual(rows.map((r) => r.label))
  })

  it('maps the input’s class names to the model’s (delimited file with ids, fastText .gz)', async () => {
    const stars = (label: string) => (label === 'pos' ? '2' : '1')
    const csv = join(dir, 'reviews.csv')
    writeFileSync(
      csv,
      `id,stars,review\n${data.test.map((t, i) => `r${i},${stars(t.label)},"${t.text.replace(/"/g, '""')}"`).join('\n')}\n,1,\n`,
    )
    const labelMap = { '1': 'neg', '2': 'pos' }
    const { outcome, record } = await score({
      input: { format: 'delimited', path: csv, textColumn: 'review', idColumn: 'id', labelColumn: 'stars' },
      labelMap,
    })
    expect(outcome.scored).toBe(data.test.length)
    expect(outcome.skipped).toEqual([{ path: `${csv}:${data.test.length + 2}`, reason: 'the text is empty' }])
    expect(outcome.evaluation!.metrics.accuracy).toBe(run.test!.accuracy)
    expect((await ctx.request('scores.results', { id: record.id, limit: 1 })).rows[0]!.source).toBe('r0')

    const ft = join(dir, 'reviews.ft.gz')
    writeFileSync(ft, gzipSync(data.test.map((t) => `__label__${stars(t.label)} ${t.text}`).join('\n')))
    const unmapped = await score({ input: { format: 'fasttext', path: ft } })
    expect(unmapped.outcome.evaluation).toBeNull()
    const mapped = await score({ input: { format: 'fasttext', path: ft }, labelMap })
    expect(mapped.outcome.evaluation!.metrics.accuracy).toBe(run.test!.accuracy)
  })

  it('keeps what a cancelled job scored', async () => {
    const big = join(dir, 'big.txt')
    const lines = Array.from({ length: 30_000 }, (_, i) => data.test[i % data.test.length]!.text)
    writeFileSync(big, `${lines.join('\n')}\n`)
    const job = await ctx.request('scores.start', { runId: run.id, input: { format: 'fasttext', path: big } })
    const id = job.params.scoreId
    while (ctx.scores.get(id).scored === 0) await new Promise((r) => setTimeout(r, 20))
    ctx.scores.cancel(id)
    const done = await ctx.jobs.finished(job)
    expect(done.status).toBe('cancelled')
    const record = ctx.scores.get(id)
    expect(record.status).toBe('cancelled')
    expect(record.scored).toBeGreaterThan(0)
    expect(record.scored).toBeLessThan(lines.length)
    const page = await ctx.request('scores.results', { id, limit: 5, sort: 'idx', order: 'desc' })
    expect(page.total).toBe(record.scored)
    expect(page.rows[0]!.idx).toBe(record.scored - 1)
    await ctx.request('scores.delete', { id })
    expect(() => ctx.scores.get(id)).toThrow(/No score job/)
  })

  it('predicts one text and explains it word by word', async () => {
    const p = await ctx.request('predict', {
      runId: run.id,
      text: 'the film was wonderful and the plot superb',
      explain: true,
    })
    expect(p.label).toBe('pos')
    expect(p.probabilities.pos! + p.probabilities.neg!).toBeCloseTo(1, 5)
    const weight = Object.fromEntries(p.tokens!.map((t) => [t.text, t.weight]))
    expect(weight.wonderful!).toBeGreaterThan(weight.the!)
    const oov = await ctx.request('predict', { runId: run.id, text: 'zyzzyva wonderful', explain: true })
    expect(oov.tokens!.map((t) => t.inVocabulary)).toEqual([false, true])
  })

  it('keeps the model loaded in one predictor process per run, which ends when idle and on shutdown', async () => {
    // A second AppContext on the same data (as the CLI beside the app), with a short idle time.
    const other = appContext(dir)
    other.scores.predictorIdleMs = 1500
    const listed = () => other.request('jobs.list', { kind: 'predictor' })
    const known = new Set((await listed()).map((j) => j.id))
    const predictors = async () => (await listed()).filter((j) => !known.has(j.id))
    const text = 'a wonderful film with a superb plot'
    try {
      let t = performance.now()
      const first = await other.request('predict', { runId: run.id, text, explain: true })
      const firstMs = performance.now() - t
      t = performance.now()
      const second = await other.request('predict', { runId: run.id, text, explain: true })
      const secondMs = performance.now() - t
      expect(second).toEqual(first)
      const started = await predictors()
      expect(started.map((j) => j.status)).toEqual(['running'])
      // The first paid for the process, tfjs and the model; the second is a message.
      expect(secondMs).toBeLessThan(firstMs / 3)

      const idle = await other.jobs.wait(started[0]!.id)
      expect(idle.status).toBe('succeeded')
      expect(idle.result).toEqual({ answered: 2 })

      // The next request starts a fresh predictor, which the shutdown stops.
      expect(await other.request('predict', { runId: run.id, text, explain: true })).toEqual(first)
      const fresh = (await predictors()).filter((j) => j.status === 'running')
      expect(fresh).toHaveLength(1)
      await other.close()
      expect((await ctx.request('jobs.get', { id: fresh[0]!.id })).status).toBe('cancelled')
    } finally {
      await other.close()
    }
  })
})

describe('cli', () => {
  const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
  const cliRun = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args, '--json', '--data-dir', dir], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    return { code: r.status, json: r.status === 0 ? JSON.parse(r.stdout) : null, stderr: r.stderr }
  }

  it('score --json prints the figures the issue names; scores list, show, export and delete; predict --explain', () => {
    const path = testFolder('cli', { 'neg/empty.txt': '' })
    const out = join(dir, 'cli.csv')
    const r = cliRun('score', '--run', run.id, '--input', path, '--out', out)
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({
      scoreId: expect.any(String),
      scored: data.test.length,
      skipped: [{ path: join('neg', 'empty.txt'), reason: expect.stringMatching(/empty/) }],
      durationMs: expect.any(Number),
      reviewsPerSecond: expect.any(Number),
      evaluation: { labelled: data.test.length, metrics: { accuracy: run.test!.accuracy } },
    })
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(data.test.length + 1)
    const id = r.json.scoreId
    const onDataset = cliRun('score', '--run', run.id, '--dataset', data.id, '--split', 'test')
    expect(onDataset.json.evaluation.metrics.confusion).toEqual(run.test!.confusion)
    expect(cliRun('scores', 'list', '--run', run.id).json.map((s: { id: string }) => s.id)).toContain(id)
    expect(cliRun('scores', 'show', id).json).toMatchObject({ id, status: 'succeeded', scored: data.test.length })
    expect(cliRun('scores', 'export', id, '--out', join(dir, 'cli.jsonl')).json.rows).toBe(data.test.length)
    expect(cliRun('scores', 'delete', id).json).toEqual({ id, deleted: true })
    expect(cliRun('scores', 'show', id).code).toBe(1)
    const p = cliRun('predict', '--run', run.id, '--text', 'the film was wonderful and the plot superb', '--explain')
    expect(p.json).toMatchObject({
      label: 'pos',
      probability: expect.any(Number),
      probabilities: { pos: expect.any(Number) },
    })
    expect(p.json.tokens.map((t: { text: string }) => t.text)).toEqual(
      'the film was wonderful and the plot superb'.split(' '),
    )
    const bad = cliRun('score', '--run', run.id, '--input', path, '--label-map', 'pos')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--label-map/)
  }, 240_000)
})
