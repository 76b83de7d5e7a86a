/**
 * The run history at scale: 10,000 runs of 100 epochs with 1,000 logged steps each, written through
 * the repo, then the Runs page's first page (sorted and filtered), a compare of 10 runs' curves and
 * McNemar on two runs of 25,000 test predictions. Reports the database's size.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../src/main/core/db/database'
import { RunsRepo } from '../src/main/core/db/runs-repo'
import { compareRuns } from '../src/main/core/runs/compare'
import { mcnemar } from '../src/main/core/runs/mcnemar'
import { decodePredictions, encodePredictions } from '../src/main/core/runs/predictions'
import { runsQuerySchema, type RunsQuery } from '../src/shared/runs'
import { modelKinds } from '../src/shared/training/model-kinds'
import { addDataset, addRun, testFigures } from '../test/fixtures/run-history'
import { mb } from './measure'

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000)
const EPOCHS = 100
const STEPS = 1_000

/** Median milliseconds of `repeat` calls. */
function timed(work: () => unknown, repeat = 15): number {
  const times: number[] = []
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now()
    work()
    times.push(performance.now() - t0)
  }
  return +times.sort((a, b) => a - b)[Math.floor(repeat / 2)]!.toFixed(2)
}

export async function benchRuns(work: string): Promise<Record<string, unknown>> {
  const dir = join(work, 'runs-history')
  rmSync(dir, { recursive: true, force: true })
  const file = join(dir, 'studio.db')
  const db = openDatabase(file)
  const repo = new RunsRepo(db)
  addDataset(db, 'imdb', 'IMDB')
  addDataset(db, 'yelp', 'Yelp')
  const t0 = performance.now()
  let seed = 1
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
  // A run's test figures carry a 200-point ROC, as real ones do: rows are as wide as in use.
  const roc = { fpr: Array.from({ length: 200 }, random), tpr: Array.from({ length: 200 }, random) }
  for (let i = 0; i < RUNS; i++) {
    const id = `run-${String(i).padStart(5, '0')}`
    const accuracy = 0.5 + 0.45 * random()
    addRun(repo, db, {
      id,
      name: `run ${i} ${['baseline', 'ablation', 'sweep'][i % 3]}`,
      datasetId: i % 4 ? 'imdb' : 'yelp',
      config: { model: modelKinds[i % modelKinds.length], learningRate: 10 ** -(1 + 3 * random()), seed: i },
      status: i % 10 === 0 ? 'failed' : 'succeeded',
      accuracy,
      createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    })
    if (i % 10) repo.finish(id, 'succeeded', { test: { ...testFigures(accuracy), roc, auc: accuracy } })
    repo.addPoints(id, {
      steps: Array.from({ length: STEPS }, (_, s) => ({
        step: s + 1,
        epoch: Math.floor((s * EPOCHS) / STEPS) + 1,
        loss: 1 / (s + 2) + 0.1 * random(),
        accuracy: 1 - 1 / (s + 2),
        learningRate: 0.01,
        samplesPerSec: 1000 + random(),
      })),
      epochs: Array.from({ length: EPOCHS }, (_, e) => ({
        epoch: e + 1,
        trainLoss: 1 / (e + 2),
        trainAccuracy: 1 - 1 / (e + 2),
        valLoss: 1 / (e + 2) + 0.05,
        valAccuracy: 1 - 1 / (e + 2) - 0.05,
        durationMs: 1000,
      })),
      validations: [],
      log: [],
    })
    if (i % 1000 === 999) process.stderr.write(`  ${i + 1} runs written\n`)
  }
  const writeSeconds = (performance.now() - t0) / 1000
  db.pragma('wal_checkpoint(TRUNCATE)')
  const dbMb = mb(statSync(file).size)

  const page = (q: RunsQuery) => () => repo.query(runsQuerySchema.parse(q))
  const firstPage = {
    newest: timed(page({})),
    bestTestAccuracy: timed(page({ sort: '-test.accuracy' })),
    filteredSorted: timed(page({ status: ['succeeded'], datasetId: 'imdb', model: 'lstm', sort: '-test.accuracy' })),
    textSortedByName: timed(page({ text: 'ablation', sort: 'name' })),
    rangeSortedByConfig: timed(page({ ranges: [{ key: 'test.accuracy', min: 0.8 }], sort: '-config.learningRate' })),
  }
  const ids = Array.from({ length: 10 }, (_, i) => `run-${String(i * 7 + 1).padStart(5, '0')}`)
  const compareTen = timed(() => {
    for (const id of ids) repo.history(id, 2000)
    compareRuns(
      ids.map((id) => repo.get(id)!),
      (id) => repo.epochs(id),
      new Map(),
    )
  }, 5)
  const labels = Uint16Array.from({ length: 25_000 }, () => +(random() < 0.5))
  const guess = (right: number) => labels.map((l) => (random() < right ? l : 1 - l))
  const a = encodePredictions(guess(0.88), labels, 2)
  const b = encodePredictions(guess(0.9), labels, 2)
  const mcnemar25k = timed(() =>
    mcnemar(['a', 'b'], ['a', 'b'], decodePredictions(a).correct, decodePredictions(b).correct),
  )
  db.close()
  return {
    runs: RUNS,
    epochsPerRun: EPOCHS,
    stepsPerRun: STEPS,
    writeSeconds: +writeSeconds.toFixed(1),
    databaseMb: +dbMb.toFixed(1),
    firstPageMs: firstPage,
    compareTenRunsCurvesMs: compareTen,
    mcnemar25kPredictionsMs: mcnemar25k,
    predictionsBytesPerRun: a.length,
  }
}
