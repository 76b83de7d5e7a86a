import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openDatabase } from '../../src/main/core/db/database'
import { JobsRepo } from '../../src/main/core/db/jobs-repo'
import { RunsRepo } from '../../src/main/core/db/runs-repo'
import { RunQueue } from '../../src/main/core/runs/queue'
import { SettingsRepo } from '../../src/main/core/db/settings-repo'
import { addDataset, addRun } from '../fixtures/run-history'
import { useTempDir } from '../fixtures/temp-dir'
import { appContext } from '../fixtures/app'

const tempDir = useTempDir()

/** A database with runs q1..qN queued in that order, and a queue whose "start" records the run. */
function queueOf(file: string, started: string[], concurrency = 1) {
  const db = openDatabase(file)
  const repo = new RunsRepo(db)
  const settings = new SettingsRepo(db)
  settings.set('queue.concurrency', concurrency)
  const queue = new RunQueue(repo, settings, async (id) => void started.push(id), { adopt: true, isAlive: () => true })
  return { db, repo, queue }
}
function seed(file: string, n: number): void {
  const db = openDatabase(file)
  const repo = new RunsRepo(db)
  addDataset(db, 'imdb', 'IMDB')
  for (let i = 1; i <= n; i++)
    addRun(repo, db, {
      id: `q${i}`,
      datasetId: 'imdb',
      status: 'queued',
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    })
  db.close()
}

describe('the training queue', () => {
  it('starts one run at a time in queue order, the next when one ends', async () => {
    const file = join(tempDir(), 'studio.db')
    seed(file, 3)
    const started: string[] = []
    const { db, repo, queue } = queueOf(file, started)
    await queue.pump()
    expect(started).toEqual(['q1'])
    expect(queue.list().map((e) => [e.runId, e.position])).toEqual([
      ['q2', 1],
      ['q3', 2],
    ])
    await queue.pump() // a slot is still taken
    expect(started).toEqual(['q1'])
    repo.finish('q1', 'succeeded', { durationMs: 60_000 })
    await queue.pump()
    expect(started).toEqual(['q1', 'q2'])
    // One run ahead at a time, each taking the typical minute.
    const [next] = queue.list()
    expect(Date.parse(next!.estimatedStart!) - Date.now()).toBeLessThan(1000)
    db.close()
  })

  it('is reordered, cancelled, widened to N at a time, and survives a restart still queued', async () => {
    const file = join(tempDir(), 'studio.db')
    seed(file, 4)
    const started: string[] = []
    let { db, repo, queue } = queueOf(file, started)
    expect(queue.move('q4', 1).map((e) => e.runId)).toEqual(['q4', 'q1', 'q2', 'q3'])
    expect(queue.move('q1', 9).map((e) => e.runId)).toEqual(['q4', 'q2', 'q3', 'q1'])
    repo.finish('q2', 'cancelled', {})
    expect(() => queue.move('q2', 1)).toThrow(/not waiting in the queue/)
    db.close()

    // The app restarts: recovery of interrupted jobs leaves queued runs alone.
    ;({ db, repo, queue } = queueOf(file, started, 2))
    new JobsRepo(db).recoverInterrupted(() => false)
    expect(queue.list().map((e) => e.runId)).toEqual(['q4', 'q3', 'q1'])
    await queue.pump()
    expect(started).toEqual(['q4', 'q3'])
    expect(repo.get('q1')!.status).toBe('queued')
    db.close()
  })

  it('starts each run once when two processes pump the same queue', async () => {
    const file = join(tempDir(), 'studio.db')
    seed(file, 3)
    const started: string[] = []
    const a = queueOf(file, started, 3)
    const b = queueOf(file, started, 3)
    await Promise.all([a.queue.pump(), b.queue.pump()])
    expect([...started].sort()).toEqual(['q1', 'q2', 'q3'])
    a.db.close()
    b.db.close()
  })

  it('runs a pump asked for while the previous one is finishing', async () => {
    const file = join(tempDir(), 'studio.db')
    seed(file, 0)
    const started: string[] = []
    const { db, repo, queue } = queueOf(file, started)
    void queue.pump() // finds nothing; still settling when the next request comes
    addRun(repo, db, { id: 'late', datasetId: 'imdb', status: 'queued' })
    await queue.pump()
    expect(started).toEqual(['late'])
    db.close()
  })

  it('keeps its concurrency across a restart of the app', async () => {
    const dir = tempDir()
    let ctx = appContext(dir)
    expect((await ctx.request('queue.list', {})).concurrency).toBe(1)
    expect((await ctx.request('queue.setConcurrency', { concurrency: 3 })).concurrency).toBe(3)
    await ctx.close()
    ctx = appContext(dir)
    expect((await ctx.request('queue.list', {})).concurrency).toBe(3)
    await ctx.close()
  })

  it('leaves a live process its own runs, adopts those of dead ones (not the CLI) and requeues dead claims', async () => {
    const file = join(tempDir(), 'studio.db')
    seed(file, 4)
    const db = openDatabase(file)
    const owner = (id: string, pid: number) => db.prepare('UPDATE runs SET queue_owner = ? WHERE id = ?').run(pid, id)
    const live = 999_001
    const dead = 999_002
    owner('q1', live)
    owner('q2', dead)
    // q3 and q4 are this process's own (seeded here).
    const repo = new RunsRepo(db)
    const settings = new SettingsRepo(db)
    settings.set('queue.concurrency', 4)
    const isAlive = (pid: number) => pid !== dead
    const started: string[] = []
    const app = new RunQueue(repo, settings, async (id) => void started.push(id), { adopt: true, isAlive })
    await app.pump()
    expect(started).toEqual([]) // the head (q1) waits for its live owner
    const cli = new RunQueue(repo, settings, async (id) => void started.push(id), { adopt: false, isAlive })
    owner('q1', dead)
    await cli.pump()
    expect(started).toEqual(['q3', 'q4']) // the CLI skips orphans and starts its own
    await app.pump()
    expect(started).toEqual(['q3', 'q4', 'q1', 'q2']) // the app adopts the orphans, in order
    expect(repo.get('q1')!.status).toBe('running')

    // A process that claimed q1 and died before its job started gives it back to the queue.
    owner('q1', dead)
    started.length = 0
    await app.pump()
    expect(started).toEqual(['q1'])
    db.close()
  })
})
