import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { statSync } from 'node:fs'
import { openDatabase } from '../../src/main/core/db/database'
import { RunsRepo } from '../../src/main/core/db/runs-repo'
import { buildRunsQuery } from '../../src/main/core/db/runs-query'
import { mcnemar, mcnemarCounts, mcnemarPValue } from '../../src/main/core/runs/mcnemar'
import {
  decodePredictions,
  encodePredictions,
  predictionsFile,
  readPredictions,
  writePredictions,
} from '../../src/main/core/runs/predictions'
import { differingKeys, summarize } from '../../src/main/core/runs/compare'
import { runsQuerySchema, type RunsQuery } from '../../src/shared/runs'
import { defaultConfig } from '../../src/shared/training/config'
import { addDataset, addRun } from '../fixtures/run-history'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const parse = (q: RunsQuery) => runsQuerySchema.parse(q)

describe('the runs query builder', () => {
  it('sorts newest first by default, one page at a time', () => {
    const q = buildRunsQuery(parse({}))
    expect(q.sql).toBe(
      'SELECT r.id FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id ORDER BY r.created_at DESC NULLS LAST, r.created_at DESC, r.rowid DESC LIMIT ? OFFSET ?',
    )
    expect(q.pageParams).toEqual([50, 0])
    expect(q.countSql).toBe('SELECT COUNT(*) AS n FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id')
  })

  it('combines filters with AND, binds every value and sorts by a dotted key or a config field', () => {
    const q = buildRunsQuery(
      parse({
        status: ['succeeded', 'failed'],
        datasetId: 'd1',
        model: 'lstm',
        tag: 'best',
        ranges: [
          { key: 'test.accuracy', min: 0.8 },
          { key: 'config.learningRate', max: 0.01 },
        ],
        sort: 'config.learningRate',
        offset: 100,
        limit: 25,
      }),
    )
    expect(q.sql).toBe(
      'SELECT r.id FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id WHERE r.status IN (?, ?) AND r.dataset_id = ? AND r.model = ? ' +
        'AND EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?) AND r.test_accuracy >= ? ' +
        "AND json_extract(r.config_json, '$.learningRate') <= ? " +
        "ORDER BY json_extract(r.config_json, '$.learningRate') ASC NULLS LAST, r.created_at DESC, r.rowid DESC LIMIT ? OFFSET ?",
    )
    expect(q.params).toEqual(['succeeded', 'failed', 'd1', 'lstm', 'best', 0.8, 0.01])
    expect(q.pageParams).toEqual(['succeeded', 'failed', 'd1', 'lstm', 'best', 0.8, 0.01, 25, 100])
  })

  it('matches every word of the free text in any field, LIKE characters taken literally', () => {
    const q = buildRunsQuery(parse({ text: ' 50%  lstm ', sort: '-test.accuracy' }))
    expect(q.params).toEqual([
      ...[...Array(5).fill('%50\\%%'), '50\\%%', '%50\\%%'],
      ...[...Array(5).fill('%lstm%'), 'lstm%', '%lstm%'],
    ])
    expect(q.sql).toContain("r.name LIKE ? ESCAPE '\\' OR r.note LIKE ?")
    expect(q.sql).toContain('ORDER BY r.test_accuracy DESC NULLS LAST')
  })

  it('refuses keys it does not know, so nothing but known columns reaches the SQL', () => {
    expect(runsQuerySchema.safeParse({ sort: 'name; DROP TABLE runs' }).success).toBe(false)
    expect(runsQuerySchema.safeParse({ sort: '-config.nope' }).success).toBe(false)
    expect(runsQuerySchema.safeParse({ ranges: [{ key: 'id', min: 1 }] }).success).toBe(false)
    expect(runsQuerySchema.safeParse({ sort: '-config.embeddingDim' }).success).toBe(true)
  })
})

describe('the runs repo on a real SQLite file', () => {
  function history() {
    const db = openDatabase(join(tempDir(), 'studio.db'))
    const repo = new RunsRepo(db)
    addDataset(db, 'imdb', 'IMDB')
    addDataset(db, 'yelp', 'Yelp')
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString()
    addRun(repo, db, {
      id: 'a',
      name: 'LSTM small',
      datasetId: 'imdb',
      config: { model: 'lstm', learningRate: 0.01 },
      accuracy: 0.81,
      createdAt: t(1),
    })
    addRun(repo, db, {
      id: 'b',
      name: 'LSTM big',
      datasetId: 'imdb',
      config: { model: 'lstm', learningRate: 0.001 },
      accuracy: 0.86,
      createdAt: t(2),
    })
    addRun(repo, db, {
      id: 'c',
      name: 'CNN 50%',
      datasetId: 'yelp',
      config: { model: 'cnn' },
      accuracy: 0.9,
      createdAt: t(3),
    })
    addRun(repo, db, {
      id: 'd',
      name: 'CNN failed',
      datasetId: 'yelp',
      config: { model: 'cnn' },
      status: 'failed',
      createdAt: t(4),
    })
    addRun(repo, db, {
      id: 'e',
      name: 'running',
      datasetId: 'imdb',
      config: { model: 'gru' },
      status: 'running',
      createdAt: t(5),
    })
    return { db, repo }
  }
  const ids = (repo: RunsRepo, q: RunsQuery) => repo.query(parse(q)).rows.map((r) => r.id)

  it('sorts, puts runs without the figure last either way, and pages with the total', () => {
    const { db, repo } = history()
    expect(ids(repo, {})).toEqual(['e', 'd', 'c', 'b', 'a'])
    expect(ids(repo, { sort: '-test.accuracy' })).toEqual(['c', 'b', 'a', 'e', 'd'])
    expect(ids(repo, { sort: 'test.accuracy' })).toEqual(['a', 'b', 'c', 'e', 'd'])
    expect(ids(repo, { sort: 'name' })).toEqual(['c', 'd', 'b', 'a', 'e'])
    expect(ids(repo, { sort: 'dataset' }).slice(0, 3)).toEqual(['e', 'b', 'a'])
    expect(repo.query(parse({ sort: '-test.accuracy', offset: 1, limit: 2 }))).toMatchObject({
      rows: [{ id: 'b' }, { id: 'a' }],
      total: 5,
    })
    db.close()
  })

  it('filters by status, dataset, model, tag, star, ranges and text', () => {
    const { db, repo } = history()
    expect(ids(repo, { status: ['failed', 'running'] })).toEqual(['e', 'd'])
    expect(ids(repo, { datasetId: 'yelp' })).toEqual(['d', 'c'])
    expect(ids(repo, { model: 'lstm' })).toEqual(['b', 'a'])
    expect(ids(repo, { ranges: [{ key: 'test.accuracy', min: 0.85, max: 0.88 }] })).toEqual(['b'])
    expect(ids(repo, { ranges: [{ key: 'config.learningRate', max: 0.005 }], model: 'lstm' })).toEqual(['b'])
    expect(ids(repo, { text: 'lstm small' })).toEqual(['a'])
    expect(ids(repo, { text: '50%' })).toEqual(['c'])
    expect(ids(repo, { text: 'yelp' })).toEqual(['d', 'c'])
    repo.update('a', { tags: ['ablation', 'keep'], starred: true, note: 'first try', name: 'LSTM small (renamed)' })
    repo.addTag('c', 'keep')
    expect(ids(repo, { tag: 'keep' })).toEqual(['c', 'a'])
    expect(ids(repo, { starred: true })).toEqual(['a'])
    expect(ids(repo, { text: 'first try' })).toEqual(['a'])
    expect(ids(repo, { text: 'ablat' })).toEqual(['a'])
    expect(repo.query(parse({ starred: true })).rows[0]).toMatchObject({
      name: 'LSTM small (renamed)',
      tags: ['ablation', 'keep'],
      note: 'first try',
      starred: true,
      model: 'lstm',
      testAccuracy: 0.81,
      datasetName: 'IMDB',
    })
    expect(repo.facets()).toEqual({
      datasets: [
        { id: 'imdb', name: 'IMDB' },
        { id: 'yelp', name: 'Yelp' },
      ],
      models: ['cnn', 'gru', 'lstm'],
      tags: ['ablation', 'keep'],
    })
    db.close()
  })

  it('deleting a run removes its tags and points and nothing else', () => {
    const { db, repo } = history()
    repo.update('a', { tags: ['x'] })
    addRun(repo, db, { id: 'f', datasetId: 'imdb', epochs: [[0.7, 0.5, 0.7, 0.5]] })
    repo.delete('f')
    repo.delete('a')
    expect(db.prepare('SELECT COUNT(*) AS n FROM run_tags').get()).toEqual({ n: 0 })
    expect(db.prepare('SELECT COUNT(*) AS n FROM run_epochs').get()).toEqual({ n: 0 })
    expect(ids(repo, {})).toEqual(['e', 'd', 'c', 'b'])
    db.close()
  })
})

describe("McNemar's test", () => {
  it('uses the exact binomial for few discordant examples (hand-computed)', () => {
    // b = 0, c = 5: 2 · (½)⁵ = 0.0625
    expect(mcnemarPValue(0, 5)).toEqual({ pValue: 0.0625, method: 'exact' })
    // b = 1, c = 9: 2 · (1 + 10) / 1024
    expect(mcnemarPValue(1, 9).pValue).toBeCloseTo(22 / 1024, 12)
    // b = c = 5: 2 · 638 / 1024 > 1, capped
    expect(mcnemarPValue(5, 5).pValue).toBe(1)
    expect(mcnemarPValue(0, 0).pValue).toBe(1)
  })

  it('uses chi-square with continuity correction from 25 discordant examples on', () => {
    // (|10 − 20| − 1)² / 30 = 2.7 → erfc(√1.35) = 0.1003482…
    const a = mcnemarPValue(10, 20)
    expect(a.method).toBe('chi-square')
    expect(a.pValue).toBeCloseTo(0.1003482, 6)
    // (|30 − 60| − 1)² / 90 = 9.3444… → 0.0022366…
    expect(mcnemarPValue(30, 60).pValue).toBeCloseTo(0.0022366, 6)
  })

  it('counts the discordant examples and says the result in words', () => {
    const a = Uint8Array.from([1, 1, 0, 0, 1, 0])
    const b = Uint8Array.from([1, 0, 1, 1, 1, 1])
    expect(mcnemarCounts(a, b)).toEqual({ onlyAWrong: 3, onlyBWrong: 1 })
    const result = mcnemar(['A', 'B'], ['run A', 'run B'], a, b)
    expect(result).toMatchObject({ runs: ['A', 'B'], onlyAWrong: 3, onlyBWrong: 1, pValue: 0.625, significant: false })
    expect(result.sentence).toBe(
      'The difference between run A and run B is not significant at 5% (McNemar, p = 0.625): run A alone got 3 wrong, run B alone 1.',
    )
    const many = mcnemar(
      ['A', 'B'],
      ['A', 'B'],
      new Uint8Array(100),
      Uint8Array.from({ length: 100 }, (_, i) => +(i < 40)),
    )
    expect(many.significant).toBe(true)
    expect(many.sentence).toContain('is significant at 5% (McNemar, p < 0.001)')
    expect(() => mcnemarCounts(new Uint8Array(3), new Uint8Array(4))).toThrow(/not the same split/)
  })

  it('takes under 50 ms for two runs of 25,000 predictions', () => {
    const a = Uint8Array.from({ length: 25_000 }, (_, i) => +(i % 7 !== 0))
    const b = Uint8Array.from({ length: 25_000 }, (_, i) => +(i % 5 !== 0))
    const start = performance.now()
    mcnemar(['a', 'b'], ['a', 'b'], a, b)
    expect(performance.now() - start).toBeLessThan(50)
  })
})

describe('stored test predictions', () => {
  it('take one byte per example up to 128 classes (25,008 bytes for 25,000 reviews), two beyond', async () => {
    const n = 25_000
    const labels = Uint16Array.from({ length: n }, (_, i) => i % 2)
    const predicted = Uint16Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 - (i % 2) : i % 2))
    const dir = tempDir()
    expect(await writePredictions(dir, predicted, labels, 2)).toBe(25_008)
    expect(statSync(predictionsFile(dir)).size).toBe(25_008)
    const back = (await readPredictions(dir))!
    expect(Array.from(back.predicted)).toEqual(Array.from(predicted))
    expect(back.correct.reduce((a, b) => a + b, 0)).toBe(n - Math.ceil(n / 3))

    const wide = encodePredictions([200, 3], [200, 4], 300)
    expect(wide.length).toBe(8 + 4)
    expect(decodePredictions(wide)).toEqual({ predicted: Uint16Array.from([200, 3]), correct: Uint8Array.from([1, 0]) })
    expect(await readPredictions(tempDir())).toBeNull()
  })

  it('refuse a damaged file with its name', () => {
    expect(() => decodePredictions(Uint8Array.from([1, 2, 3]), 'x.bin')).toThrow('x.bin is not a predictions file.')
    const bad = encodePredictions([1, 0], [1, 1], 300).subarray(0, 11)
    expect(() => decodePredictions(bad, 'x.bin')).toThrow(/x.bin is damaged/)
  })
})

describe('comparing runs', () => {
  it('finds the settings that differ', () => {
    expect(
      differingKeys([
        defaultConfig,
        { ...defaultConfig, learningRate: 0.5 },
        { ...defaultConfig, filterSizes: [3, 4] },
      ]),
    ).toEqual(['filterSizes', 'learningRate'])
    expect(differingKeys([defaultConfig, { ...defaultConfig }])).toEqual([])
  })

  it("gives each metric's best, the epoch of the best and the final value", () => {
    const epochs = [
      [0.7, 0.5, 0.69, 0.52],
      [0.5, 0.7, 0.6, 0.71],
      [0.3, 0.9, 0.65, 0.7],
    ].map(([trainLoss, trainAccuracy, valLoss, valAccuracy], i) => ({
      epoch: i + 1,
      trainLoss: trainLoss!,
      trainAccuracy: trainAccuracy!,
      valLoss: valLoss!,
      valAccuracy: valAccuracy!,
      durationMs: 1,
    }))
    expect(summarize(epochs, 'valLoss')).toEqual({ best: 0.6, bestEpoch: 2, final: 0.65 })
    expect(summarize(epochs, 'valAccuracy')).toEqual({ best: 0.71, bestEpoch: 2, final: 0.7 })
    expect(summarize(epochs, 'trainLoss')).toEqual({ best: 0.3, bestEpoch: 3, final: 0.3 })
    expect(summarize([], 'valLoss')).toEqual({ best: null, bestEpoch: null, final: null })
  })
})

describe('migration 6', () => {
  it('keeps a version 4 run whole: test figures moved to run_tests, sortable figures filled in', () => {
    const file = join(tempDir(), 'studio.db')
    const old = openDatabase(file, { targetVersion: 4 })
    addDataset(old, 'imdb', 'IMDB')
    const test = { accuracy: 0.8, f1: 0.75, roc: { fpr: [0, 1], tpr: [0, 1] } }
    old
      .prepare(
        `INSERT INTO runs (id, name, dataset_id, config_json, status, test_metrics_json, best_json, created_at)
         VALUES ('r', 'old run', 'imdb', ?, 'succeeded', ?, ?, '2026-01-01T00:00:00.000Z')`,
      )
      .run(JSON.stringify({ ...defaultConfig, model: 'gru' }), JSON.stringify(test), '{"loss":0.4,"accuracy":0.81}')
    old.close()
    const db = openDatabase(file)
    const repo = new RunsRepo(db)
    expect(repo.get('r')).toMatchObject({ test, tags: [], note: '', starred: false, groupId: null })
    expect(repo.query(parse({ model: 'gru' })).rows[0]).toMatchObject({
      testAccuracy: 0.8,
      testF1: 0.75,
      bestValAccuracy: 0.81,
      bestValLoss: 0.4,
    })
    expect(db.prepare('SELECT test_metrics_json FROM runs').get()).toEqual({ test_metrics_json: null })
    db.close()
  })
})
