import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../src/main/core/db/database'
import { RunsRepo } from '../../src/main/core/db/runs-repo'
import { writePredictions } from '../../src/main/core/runs/predictions'
import { addDataset, addRun } from '../fixtures/run-history'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
const run = (dataDir: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Three finished runs on one dataset (a and b with stored predictions) and one on another. */
async function history(): Promise<string> {
  const dataDir = tempDir()
  const db = openDatabase(join(dataDir, 'studio.db'))
  const repo = new RunsRepo(db)
  addDataset(db, 'imdb', 'IMDB')
  addDataset(db, 'yelp', 'Yelp')
  const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString()
  addRun(repo, db, { id: 'a', datasetId: 'imdb', config: { learningRate: 0.01 }, accuracy: 0.7, createdAt: at(1) })
  addRun(repo, db, { id: 'b', datasetId: 'imdb', config: { learningRate: 0.001 }, accuracy: 0.9, createdAt: at(2) })
  addRun(repo, db, { id: 'c', datasetId: 'yelp', status: 'failed', createdAt: at(3) })
  db.close()
  // 100 test examples, all labelled 0: a is right on the first 70, b on the first 90.
  const labels = new Uint16Array(100)
  const predicted = (right: number) => Uint16Array.from({ length: 100 }, (_, i) => (i < right ? 0 : 1))
  await writePredictions(join(dataDir, 'runs', 'a'), predicted(70), labels, 2)
  await writePredictions(join(dataDir, 'runs', 'b'), predicted(90), labels, 2)
  return dataDir
}

describe('runs on the command line', () => {
  it('lists sorted by a dotted key, filtered by status and dataset, and refuses an unknown key', async () => {
    const dataDir = await history()
    const sorted = run(dataDir, 'runs', 'list', '--sort=-test.accuracy', '--json')
    expect(sorted.code).toBe(0)
    expect(JSON.parse(sorted.stdout).map((r: { id: string }) => r.id)).toEqual(['b', 'a', 'c'])
    const filtered = run(
      dataDir,
      'runs',
      'list',
      '--status',
      'succeeded',
      '--dataset',
      'imdb',
      '--sort=config.learningRate',
      '--limit',
      '1',
      '--json',
    )
    expect(JSON.parse(filtered.stdout)).toMatchObject([{ id: 'b', config: { learningRate: 0.001 } }])
    const bad = run(dataDir, 'runs', 'list', '--sort=-accuracy')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--sort: "-accuracy" is not a key/)
  })

  it('compares runs with their differing settings and McNemar, and tags a run', async () => {
    const dataDir = await history()
    const r = run(dataDir, 'runs', 'compare', 'a', 'b', 'c', '--json')
    expect(r.code).toBe(0)
    const c = JSON.parse(r.stdout)
    expect(c.differing).toMatchObject({ learningRate: [0.01, 0.001, expect.any(Number)] })
    // Only a and b share a split with predictions: b alone right on 20 examples, a alone on none.
    expect(c.mcnemar).toHaveLength(1)
    expect(c.mcnemar[0]).toMatchObject({ runs: ['a', 'b'], onlyAWrong: 20, onlyBWrong: 0, significant: true })
    // 20 discordant examples: the exact form, 2 · (½)²⁰
    expect(c.mcnemar[0]).toMatchObject({ method: 'exact', pValue: 2 * 0.5 ** 20 })
    const tagged = run(dataDir, 'runs', 'tag', 'a', 'baseline', '--json')
    expect(JSON.parse(tagged.stdout)).toEqual({ id: 'a', tags: ['baseline'] })
    const byTag = run(dataDir, 'runs', 'list', '--tag', 'baseline', '--json')
    expect(JSON.parse(byTag.stdout)).toMatchObject([{ id: 'a', tags: ['baseline'] }])
  })

  it('refuses a sweep of fewer than two runs, an unknown field, a bad range or both kinds, before training anything', async () => {
    const dataDir = await history()
    const one = run(dataDir, 'sweep', '--dataset', 'imdb', '--preset', 'fasttext-bigram', '--grid', 'epochs=1')
    expect(one.code).toBe(2)
    expect(one.stderr).toMatch(/at least two runs/)
    const unknown = run(dataDir, 'sweep', '--dataset', 'imdb', '--preset', 'fasttext-bigram', '--grid', 'nope=1,2')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/Unknown setting "nope"/)
    const refused = run(dataDir, 'sweep', '--dataset', 'imdb', '--preset', 'fasttext-bigram', '--grid', 'epochs=1,5000')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/epochs/)
    const sweep = (...args: string[]) =>
      run(dataDir, 'sweep', '--dataset', 'imdb', '--preset', 'fasttext-bigram', ...args)
    const both = sweep('--grid', 'epochs=1,2', '--random', '3', '--range', 'dropout=0:0.5')
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/--grid or --random with --range, not both/)])
    const backwards = sweep('--random', '3', '--range', 'dropout=0.5:0.1')
    expect([backwards.code, backwards.stderr]).toEqual([2, expect.stringMatching(/dropout: the range's min/)])
    const word = sweep('--random', '3', '--range', 'optimizer=adam,nope')
    expect([word.code, word.stderr]).toEqual([2, expect.stringMatching(/optimizer: "nope" is refused/)])
    expect(JSON.parse(run(dataDir, 'runs', 'list', '--json').stdout)).toHaveLength(3)
  })

  it('exports a run to an archive and imports it into another history, as JSON; a damaged one exits 1', async () => {
    const dataDir = await history()
    const file = join(tempDir(), 'b.tar.gz')
    const exported = run(dataDir, 'runs', 'export', 'b', '--out', file, '--json')
    expect(exported.code, exported.stderr).toBe(0)
    expect(JSON.parse(exported.stdout)).toMatchObject({ id: 'b', path: file, bytes: expect.any(Number) })
    expect(run(dataDir, 'runs', 'export', 'b', '--json').code).toBe(2) // no --out

    const other = tempDir()
    const imported = run(other, 'runs', 'import', file, '--json')
    expect(imported.code, imported.stderr).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({
      id: 'b',
      status: 'succeeded',
      idChanged: false,
      datasetAbsent: true,
      test: { accuracy: 0.9 },
    })
    const again = JSON.parse(run(other, 'runs', 'import', file, '--json').stdout) as { id: string; idChanged: boolean }
    expect(again.idChanged).toBe(true)
    expect(again.id).not.toBe('b')
    // Both copies carry the predictions: McNemar pairs them.
    const compared = JSON.parse(run(other, 'runs', 'compare', 'b', again.id, '--json').stdout)
    expect(compared.mcnemar).toMatchObject([{ onlyAWrong: 0, onlyBWrong: 0 }])

    writeFileSync(file, readFileSync(file).subarray(0, 100))
    const damaged = run(other, 'runs', 'import', file, '--json')
    expect(damaged.code).toBe(1)
    expect(damaged.stderr).toMatch(/cannot be imported: it is damaged/)
    expect(JSON.parse(run(other, 'runs', 'list', '--json').stdout)).toHaveLength(2)
  })
})
