import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openDatabase } from '../../src/main/core/db/database'
import { JobsRepo } from '../../src/main/core/db/jobs-repo'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { JobManager } from '../../src/main/core/jobs/manager'
import type { JobKindSpec } from '../../src/shared/job-catalog'
import type { JobRecord } from '../../src/shared/types'
import { useTempDir } from '../fixtures/temp-dir'
import type { testCatalog } from '../fixtures/test-worker'

/** The test worker's kinds, and one that main knows and the worker does not. */
type ManagerCatalog = typeof testCatalog & { 'no-such-kind': JobKindSpec }

const tempDir = useTempDir()
const testWorker = join(__dirname, '..', 'fixtures', 'test-worker.ts')

function setup(options: { graceMs?: number; throttleMs?: number } = {}) {
  const db = openDatabase(join(tempDir(), 'studio.db'))
  const repo = new JobsRepo(db)
  const updates: JobRecord[] = []
  const manager = new JobManager<ManagerCatalog>(repo, new ForkLauncher(testWorker), {
    ...options,
    onUpdate: (j) => updates.push(j),
  })
  return { db, repo, manager, updates }
}

async function waitForProgress(repo: JobsRepo, id: string): Promise<void> {
  for (let i = 0; i < 200 && !repo.get(id)?.progress; i++) await new Promise((r) => setTimeout(r, 50))
}

describe('job processes', () => {
  it('run a job to its result, with throttled progress persisted in the database', async () => {
    const { db, repo, manager, updates } = setup({ throttleMs: 200 })
    const job = await manager.run('count', { n: 20_000 })
    expect(job).toMatchObject({ status: 'succeeded', result: { counted: 20_000 }, error: null })
    expect(job.progress).toMatchObject({ done: 20_000, total: 20_000, unit: 'items' })
    expect(repo.get(job.id)?.finishedAt).not.toBeNull()
    // 20,000 progress messages reach subscribers as a handful of updates.
    expect(updates.length).toBeLessThan(20)
    expect(updates.at(-1)?.status).toBe('succeeded')
    db.close()
  })

  it("hold a job's next event until main has handled the one before (back-pressure on any transport)", async () => {
    const { db, manager } = setup()
    const handledAt: number[] = []
    const sentAt: number[] = []
    manager.register('emits', {
      event: (_id, e) => {
        sentAt[e.i] = e.sentAt
        // A slow write: without the acknowledgement the job would send on while main is busy here.
        const until = Date.now() + 15
        while (Date.now() < until);
        handledAt[e.i] = Date.now()
      },
    })
    const job = await manager.run('emits', { n: 20 })
    expect(job).toMatchObject({ status: 'succeeded', result: { sent: 20 } })
    expect(sentAt).toHaveLength(20)
    for (let i = 1; i < 20; i++) expect(sentAt[i]).toBeGreaterThanOrEqual(handledAt[i - 1]!)
    db.close()
  })

  it('record a job that throws as failed with its message', async () => {
    const { db, manager } = setup()
    const job = await manager.run('throws', {})
    expect(job).toMatchObject({ status: 'failed', error: 'the corpus has no reviews' })
    db.close()
  })

  it('record a job whose process exits as failed with the exit code', async () => {
    const { db, manager } = setup()
    const job = await manager.run('exits', {})
    expect(job.status).toBe('failed')
    expect(job.error).toMatch(/exited with code 3/)
    db.close()
  })

  it('record a job whose process is killed as failed with the signal', async () => {
    const { db, manager } = setup()
    const job = await manager.run('kills-itself', {})
    expect(job.status).toBe('failed')
    expect(job.error).toMatch(/killed \(SIGKILL\)/)
    db.close()
  })

  it('cancel a job that stops when asked', async () => {
    const { db, repo, manager } = setup()
    const started = manager.start('cooperative', {})
    await waitForProgress(repo, started.id)
    manager.cancel(started.id)
    const job = await manager.wait(started.id)
    expect(job).toMatchObject({ status: 'cancelled', error: 'Cancelled by the user.' })
    db.close()
  })

  it('kill a job that ignores the cancel request after the grace period', async () => {
    const { db, manager } = setup({ graceMs: 300 })
    const started = manager.start('stubborn', {})
    const t0 = Date.now()
    manager.cancel(started.id)
    const job = await manager.wait(started.id)
    expect(job.status).toBe('cancelled')
    expect(job.error).toMatch(/did not stop within/)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
    db.close()
  })

  it("check params against the kind's schema in the job process", async () => {
    const { db, manager } = setup()
    const job = await manager.run('count', { n: -1 })
    expect(job.status).toBe('failed')
    expect(job.error).toMatch(/^Job "count" got bad params: n: /)
    db.close()
  })

  it('answer an unknown job kind with a failed record', async () => {
    const { db, manager } = setup()
    const job = await manager.run('no-such-kind', {})
    expect(job).toMatchObject({ status: 'failed', error: 'Unknown job kind "no-such-kind".' })
    db.close()
  })

  it('keep running after a job fails: the next job succeeds', async () => {
    const { db, manager } = setup()
    await manager.run('exits', {})
    expect((await manager.run('count', { n: 3 })).status).toBe('succeeded')
    expect(manager.running).toBe(0)
    db.close()
  })
})
