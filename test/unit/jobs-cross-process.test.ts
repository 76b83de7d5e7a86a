/**
 * Jobs across processes on one data directory: a cancel from another process reaches the job's owner
 * through the database, a dead owner is noticed while this process runs, and a live owner's import
 * folder survives another process's start-up cleanup.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { openDatabase } from '../../src/main/core/db/database'
import { DatasetsRepo } from '../../src/main/core/db/datasets-repo'
import { JobsRepo, isProcessAlive } from '../../src/main/core/db/jobs-repo'
import { DatasetService } from '../../src/main/core/datasets/service'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { JobManager } from '../../src/main/core/jobs/manager'
import type { JobRecord } from '../../src/shared/types'
import { useTempDir } from '../fixtures/temp-dir'
import type { testCatalog } from '../fixtures/test-worker'

const tempDir = useTempDir()
const testWorker = join(__dirname, '..', 'fixtures', 'test-worker.ts')

/** Another process owning one running job; `lines` yields what it prints (the id, then the finished record). */
function owner(dbFile: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'job-owner.ts'), dbFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  onTestFinished(() => void child.kill('SIGKILL'))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => JSON.parse((await lines.next()).value as string) as JobRecord
  return { child, next }
}

function manager(dbFile: string, pollMs: number) {
  const db = openDatabase(dbFile)
  const repo = new JobsRepo(db)
  const jobs = new JobManager<typeof testCatalog>(repo, new ForkLauncher(testWorker), { pollMs })
  onTestFinished(async () => {
    await jobs.shutdown()
    db.close()
  })
  return { repo, jobs }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check() && Date.now() < end;) await new Promise((r) => setTimeout(r, 50))
}

describe('jobs across processes', () => {
  it('cancels a job another process runs, through the database', async () => {
    const dbFile = join(tempDir(), 'studio.db')
    const other = owner(dbFile)
    const { id } = await other.next()
    const { repo, jobs } = manager(dbFile, 0)
    expect(repo.get(id)?.status).toBe('running')
    expect(jobs.cancel(id).status).toBe('running') // asked; the owner stops it
    const done = await other.next()
    expect(done).toMatchObject({ id, status: 'cancelled' })
    expect(repo.get(id)?.status).toBe('cancelled')
  }, 30_000)

  it('notices, while running, that a job’s owner died, and says why in its error', async () => {
    const dbFile = join(tempDir(), 'studio.db')
    const other = owner(dbFile)
    const { id } = await other.next()
    const { repo } = manager(dbFile, 100)
    other.child.kill('SIGKILL')
    await until(() => repo.get(id)?.status !== 'running')
    expect(repo.get(id)).toMatchObject({
      status: 'interrupted',
      error: expect.stringMatching(new RegExp(`process ${other.child.pid}\\) stopped`)),
    })
  }, 30_000)

  it('marks a dead owner’s job interrupted when asked to cancel it', async () => {
    const dbFile = join(tempDir(), 'studio.db')
    const other = owner(dbFile)
    const { id } = await other.next()
    const { jobs } = manager(dbFile, 0)
    other.child.kill('SIGKILL')
    await until(() => !isProcessAlive(other.child.pid!))
    expect(jobs.cancel(id).status).toBe('interrupted')
  }, 30_000)

  it('removes only the import folders whose owner is dead', async () => {
    const dir = tempDir()
    const db = openDatabase(join(dir, 'studio.db'))
    onTestFinished(() => void db.close())
    const jobs = new JobManager(new JobsRepo(db), new ForkLauncher(testWorker), { pollMs: 0 })
    const datasets = new DatasetService(new DatasetsRepo(db), jobs, join(dir, 'datasets'), join(dir, 'downloads'))
    const live = join(dir, 'datasets', `.import-${process.pid}-a`)
    const dead = join(dir, 'datasets', '.import-999999999-b')
    const legacy = join(dir, 'datasets', '.import-0c6f1c9e-5e8a-4a7e-9d7b-3f1f0e6c2a11')
    for (const folder of [live, dead, legacy]) mkdirSync(folder, { recursive: true })
    await datasets.removeStrayFolders(isProcessAlive)
    expect([live, dead, legacy].map(existsSync)).toEqual([true, false, false])
  })
})
