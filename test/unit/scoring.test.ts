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
import { seededRandom } from '../../src/main/core/datasets/splits'
import { importSyntheticDataset, quick, syntheticReview, trainRun, type SyntheticTexts } from '../fixtures/training'

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

  it('scores on another backend when asked, to the same figures', async () => {
    const input = { format: 'dataset', datasetId: data.id, split: 'test' } as const
    const own = await score({ input })
    const cpu = await score({ input, backend: 'cpu' })
    expect(run.backend).toBe('wasm')
    expect(own.outcome.backend).toMatch(/WebAssembly/)
    expect(cpu.outcome.backend).toBe('plain JavaScript CPU')
    expect(cpu.outcome.evaluation!.metrics.confusion).toEqual(own.outcome.evaluation!.metrics.confusion)
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

  it('evaluates on another dataset with other class names through the label map, listed by run', async () => {
    // "Amazon reviews": a fastText file labelled 1 (negative) and 2 (positive), imported as its own dataset.
    const random = seededRandom(11)
    const lines = Array.from({ length: 80 }, (_, i) => {
      const label = i % 2 ? 'pos' : 'neg'
      return `__label__${label === 'pos' ? 2 : 1} ${syntheticReview(label, random)}`
    })
    const path = join(dir, 'amazon.ft')
    writeFileSync(path, `${lines.join('\n')}\n`)
    const importJob = await ctx.request('datasets.import', {
      spec: { name: 'amazon', source: { format: 'fasttext', path }, sequence: { maxLen: 16 } },
    })
    const amazon = resultOf(await ctx.jobs.finished(importJob))
    expect(amazon.classes).toEqual(['1', '2'])
    const input = { format: 'dataset' as const, datasetId: amazon.id, split: 'test' as const }

    const unmapped = await score({ input })
    expect(unmapped.outcome.evaluation).toBeNull()
    const { outcome, record } = await score({ input, labelMap: { '1': 'neg', '2': 'pos' }, name: 'on Amazon' })
    const e = outcome.evaluation!
    expect(e.labelled).toBe(amazon.counts.test)
    expect(e.unmatchedLabels).toEqual({})
    expect(e.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(amazon.counts.test)
    // Every row carries its mapped true label, and the figures are those rows'.
    const rows = (await ctx.request('scores.results', { id: record.id, limit: 1000 })).rows
    expect(new Set(rows.map((r) => r.truth))).toEqual(new Set(['neg', 'pos']))
    expect(e.metrics.accuracy).toBe(rows.filter((r) => r.label === r.truth).length / rows.length)
    // The run's evaluations, as its page lists them: this one with its figures and mapping.
    const listed = (await ctx.request('scores.list', { runId: run.id })).find((s) => s.id === record.id)!
    expect(listed).toMatchObject({ name: 'on Amazon', labelMap: { '1': 'neg', '2': 'pos' }, status: 'succeeded' })
    expect(listed.evaluation!.metrics.accuracy).toBe(e.metrics.accuracy)
    expect(await ctx.request('scores.list', { runId: 'another-run' })).toEqual([])

    // A dataset tokenized otherwise than the model's data is refused, pointing at its source file.
    const cased = await ctx.request('datasets.import', {
      spec: { name: 'cased', source: { format: 'fasttext', path }, preprocess: { lowercase: false } },
    })
    const casedId = resultOf(await ctx.jobs.finished(cased)).id
    const refused = await ctx.invoke('scores.start', {
      runId: run.id,
      input: { format: 'dataset', datasetId: casedId, split: 'test' },
    })
    expect(refused).toMatchObject({ ok: false, error: { field: 'input.datasetId' } })
    expect(!refused.ok && refused.error.message).toMatch(/lowercase: false, the model's true.*amazon\.ft/)
  })

  it('scores a one-column CSV or TSV: a header only when named like one (text, review…), else every row is a text', async () => {
    const texts = data.test.map((t) => t.text)
    const quoted = (t: string) => `"${t.replace(/"/g, '""')}"`
    const cases: [string, string, number][] = [
      ['headed.csv', `review\n${texts.map(quoted).join('\n')}\n`, texts.length],
      ['bare.csv', `${texts.map(quoted).join('\n')}\n`, texts.length],
      ['short-first.tsv', `ok\n${texts.join('\n')}\n`, texts.length + 1],
      ['one-key.jsonl', texts.map((text) => JSON.stringify({ text })).join('\n'), texts.length],
    ]
    for (const [name, content, n] of cases) {
      const path = join(dir, name)
      writeFileSync(path, content)
      const { outcome, record } = await score({ input: { format: 'delimited', path } })
      expect(outcome.scored, name).toBe(n)
      expect(outcome.skippedCount, name).toBe(0)
      const first = await ctx.request('scores.row', { id: record.id, idx: 0 })
      expect(first.text, name).toBe(n > texts.length ? 'ok' : texts[0])
    }
    // A header is taken when said, and a named text column implies one.
    const path = join(dir, 'said.csv')
    writeFileSync(path, `words\n${texts.map(quoted).join('\n')}\n`)
    expect((await score({ input: { format: 'delimited', path, header: true } })).outcome.scored).toBe(texts.length)
    expect((await score({ input: { format: 'delimited', path, textColumn: 'words' } })).outcome.scored).toBe(
      texts.length,
    )
    // Columns the file cannot have are refused with the reason.
    const bad = await ctx.request('scores.start', {
      runId: run.id,
      input: { format: 'delimited', path, idColumn: 'id' },
    })
    const failed = await ctx.jobs.finished(bad)
    expect(failed.status).toBe('failed')
    expect(failed.error).toMatch(/has one column \(the texts\), so no column "id"/)
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
  it('warms the predictor when a run is chosen: the first prediction is answered by the process already running', async () => {
    const other = appContext(dir)
    other.scores.predictorIdleMs = 5000
    const running = async () =>
      (await other.request('jobs.list', { kind: 'predictor' })).filter((j) => j.status === 'running').map((j) => j.id)
    const before = new Set(await running())
    try {
      const { jobId } = await other.request('predict.warm', { runId: run.id })
      // Choosing the run again (the page reopened) keeps the same process.
      expect((await other.request('predict.warm', { runId: run.id })).jobId).toBe(jobId)
      // It says when tfjs and the model are loaded, before any text is typed.
      const deadline = Date.now() + 60_000
      while ((await other.request('jobs.get', { id: jobId })).progress === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      const ready = await other.request('jobs.get', { id: jobId })
      expect([ready.kind, ready.status, ready.progress?.done]).toEqual(['predictor', 'running', 0])
      const t = performance.now()
      await other.request('predict', { runId: run.id, text: 'a superb film', explain: true })
      // A message to a loaded model, not a process start (which takes seconds).
      expect(performance.now() - t).toBeLessThan(1500)
      expect((await running()).filter((id) => !before.has(id))).toEqual([jobId])
      // That job answered it: it ends idle having answered one request.
      expect((await other.jobs.wait(jobId)).result).toEqual({ answered: 1 })
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
