/**
 * The run history under stress, with real training: two runs at once both record everything; a
 * process killed hard (kill -9) during a sweep, first the CLI then serve mode, leaves an intact
 * database, the run it trained interrupted and resumable, and the rest of the queue queued; and
 * deleting a run removes its rows and files and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AppContext } from '../../src/main/core/app-context'
import { openDatabase } from '../../src/main/core/db/database'
import { RunsRepo } from '../../src/main/core/db/runs-repo'
import { hasCheckpoint } from '../../src/main/core/engine/folders'
import { readPredictions } from '../../src/main/core/runs/predictions'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { finishedRun, importSyntheticDataset, quick, startRun } from '../fixtures/training'

const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
const runTables = ['run_steps', 'run_epochs', 'run_validations', 'run_log', 'run_tests', 'run_tags']
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('the run history under stress', () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-reliability-'))
  let ctx: AppContext
  let datasetId: string
  let testCount: number

  beforeAll(async () => {
    ctx = appContext(dir)
    const data = await importSyntheticDataset(ctx, dir, 40)
    datasetId = data.id
    testCount = data.test.length
  })
  afterAll(async () => {
    await ctx?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('trains two runs at once (concurrency 2), each recording every epoch, its test and its predictions', async () => {
    await ctx.request('queue.setConcurrency', { concurrency: 2 })
    const settings = { ...quick, epochs: 3 }
    const a = await startRun(ctx, datasetId, 'fasttext-bigram', settings)
    const b = await startRun(ctx, datasetId, 'fasttext-bigram', { ...settings, seed: 7 })
    expect([a.status, b.status]).toEqual(['running', 'running'])
    const done = await Promise.all([finishedRun(ctx, a), finishedRun(ctx, b)])
    for (const run of done) {
      expect(run.status, run.error ?? '').toBe('succeeded')
      const history = ctx.runs.history(run.id)
      expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
      expect(history.steps.length).toBeGreaterThan(0)
      expect(run.test?.accuracy).toBeGreaterThan(0)
      const predictions = (await readPredictions(ctx.runs.folder(run.id)))!
      expect(predictions.predicted.length).toBe(testCount)
      // The stored predictions agree with the stored figure.
      const right = predictions.correct.reduce((n, c) => n + c, 0)
      expect(right / testCount).toBeCloseTo(run.test!.accuracy, 6)
    }
    await ctx.request('queue.setConcurrency', { concurrency: 1 })
  })

  it('survives kill -9 of the CLI during a sweep, then of serve mode, and deletes one run alone', async () => {
    // Only the contexts opened below may pump this history from this process (they share its pid).
    await ctx.close()
    const slow = { ...quick, epochs: 30, batchSize: 8 }
    const args = ['sweep', '--dataset', datasetId, '--preset', 'fasttext-bigram', '--backend', 'wasm']
    for (const [key, value] of Object.entries(slow)) if (key !== 'learningRate') args.push('--set', `${key}=${value}`)
    args.push('--grid', 'learningRate=0.01,0.02,0.03', '--name', 'crash', '--data-dir', dir)
    const sweep = spawnCli(args)
    const [first] = await waitForCheckpoint(() => sweepRuns())
    await killHard(sweep)

    let reopened = appContext(dir) // a CLI context: it starts nothing, only recovers
    try {
      expect(integrity(dir)).toBe('ok')
      const runs = sweepRuns(reopened)
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'queued', 'queued'])
      expect(runs[0]!.id).toBe(first!.id)
      expect(hasCheckpoint(reopened.runs.folder(first!.id))).toBe(true)
      expect(reopened.runs.queue.list().map((e) => e.runId)).toEqual([runs[1]!.id, runs[2]!.id])
    } finally {
      await reopened.close()
    }

    // Serve mode adopts what was left queued, starts the next run, and is killed in its turn.
    const serve = spawnCli(['serve', '--port', '0', '--data-dir', dir])
    const [second] = await waitForCheckpoint(() => sweepRuns().slice(1))
    await killHard(serve)
    reopened = appContext(dir)
    try {
      expect(integrity(dir)).toBe('ok')
      const runs = sweepRuns(reopened)
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'interrupted', 'queued'])
      expect(runs[1]!.id).toBe(second!.id)
      expect(hasCheckpoint(reopened.runs.folder(second!.id))).toBe(true)
      // Resuming puts it back in the queue: this CLI context owns it and starts it.
      const resumed = await reopened.runs.resume(second!.id)
      expect(resumed.status).toBe('running')
      reopened.runs.cancel(second!.id)
      await reopened.jobs.wait(resumed.jobId!)

      // Deleting the first run takes its rows and folder, and nothing of the others.
      const others = reopened.runs.list().filter((r) => r.id !== first!.id)
      const files = () =>
        others.map((r) => [r.id, existsSync(reopened.runs.folder(r.id)) ? readdirSync(reopened.runs.folder(r.id)) : []])
      const before = { rows: rowCounts(dir, others), files: files() }
      expect(rowCounts(dir, [first!]).run_epochs).toBeGreaterThan(0)
      await reopened.request('runs.delete', { id: first!.id })
      expect(rowCounts(dir, [first!])).toEqual({ runs: 0, ...Object.fromEntries(runTables.map((t) => [t, 0])) })
      expect(existsSync(reopened.runs.folder(first!.id))).toBe(false)
      expect({ rows: rowCounts(dir, others), files: files() }).toEqual(before)
    } finally {
      await reopened.close()
    }
  })

  /** The sweep's runs in queue order (as created), read through `from` or straight from the database. */
  function sweepRuns(from?: AppContext): RunRecord[] {
    const db = from ? null : openDatabase(join(dir, 'studio.db'))
    try {
      return (from?.runs ?? new RunsRepo(db!))
        .list(1000)
        .filter((r) => r.name.startsWith('crash '))
        .sort((a, b) => a.name.localeCompare(b.name))
    } finally {
      db?.close()
    }
  }

  /** Waits until a run among `runs()` has written a checkpoint; returns the list then. */
  async function waitForCheckpoint(runs: () => RunRecord[]): Promise<RunRecord[]> {
    const started = Date.now()
    for (;;) {
      const list = runs()
      if (list.some((r) => hasCheckpoint(join(dir, 'runs', r.id)))) return list
      if (Date.now() - started > 180_000)
        throw new Error(`No run wrote a checkpoint within 3 minutes. The CLI said: ${said.join('').slice(-2000)}`)
      await sleep(200)
    }
  }
}, 600_000)

/** The CLI under tsx; what it says on stderr is kept for the failure message. */
const said: string[] = []
function spawnCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.on('data', (b: Buffer) => said.push(b.toString()))
  return child
}

/** kill -9, then a moment for its job process to see the channel close and stop. */
async function killHard(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL')
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r))
  await sleep(1500)
}

function integrity(dir: string): string {
  const db = openDatabase(join(dir, 'studio.db'))
  try {
    return (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check
  } finally {
    db.close()
  }
}

/** Each run table's rows belonging to these runs. */
function rowCounts(dir: string, runs: RunRecord[]): Record<string, number> {
  const db = openDatabase(join(dir, 'studio.db'))
  const ids = runs.map((r) => r.id)
  const marks = ids.map(() => '?').join(', ')
  try {
    return Object.fromEntries(
      [['runs', 'id'] as const, ...runTables.map((t) => [t, 'run_id'] as const)].map(([table, column]) => [
        table,
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} IN (${marks})`).get(...ids) as { n: number }).n,
      ]),
    )
  } finally {
    db.close()
  }
}
