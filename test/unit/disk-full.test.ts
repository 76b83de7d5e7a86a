/**
 * A full disk during training (fault suite): the job's checkpoint write meets ENOSPC, or main's
 * SQLite meets SQLITE_FULL. Either way the CLI ends with one line, "the disk is full (path)", the run
 * ends failed with that reason, its last good checkpoint stays (no half-written `.tmp`), and it
 * resumes to the end once there is room. The faults are injected (`SENTIMENT_STUDIO_FAULTS`, see
 * core/faults.ts): a real full disk needs a root-only tmpfs (cli-faults.test.ts has that probe).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { faultsEnv } from '../../src/main/core/faults'
import type { DatasetSummary } from '../../src/shared/datasets'
import { appContext } from '../fixtures/app'
import { finishedRun, importSyntheticDataset, quick } from '../fixtures/training'

const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
let dir: string
let data: DatasetSummary

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-disk-full-'))
  const ctx = appContext(dir)
  data = await importSyntheticDataset(ctx, dir, 150)
  await ctx.close()
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `train` in a CLI process with the fault injected; its exit code and output. */
function trainWithFault(fault: string, epochs: number) {
  const args = ['--import', 'tsx', cli, 'train', '--dataset', data.id, '--preset', 'fasttext-bigram']
  for (const [key, value] of Object.entries({ ...quick, epochs, batchSize: 8 })) args.push('--set', `${key}=${value}`)
  args.push('--backend', 'wasm', '--data-dir', dir)
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, [faultsEnv]: fault },
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

/** Checks what the failure left, then resumes the run without the fault and expects every epoch. */
async function expectFailedThenResumable(runId: string, reason: RegExp, epochs: number) {
  const ctx = appContext(dir)
  try {
    const run = ctx.runs.get(runId)
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(reason)
    const checkpoints = join(dir, 'runs', runId, 'checkpoints')
    expect(readdirSync(checkpoints).filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect(existsSync(join(checkpoints, 'last', 'state.json'))).toBe(true)
    const resumed = await finishedRun(ctx, ctx.runs.resume(runId))
    expect(resumed.status, resumed.error ?? '').toBe('succeeded')
    const history = ctx.runs.history(runId)
    expect(history.log.some((l) => l.startsWith('Resumed from the checkpoint'))).toBe(true)
    expect(history.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1))
  } finally {
    await ctx.close()
  }
}

function newestRun(): string {
  const ids = readdirSync(join(dir, 'runs'))
  const ctx = appContext(dir)
  try {
    return ctx.runs.list().find((r) => ids.includes(r.id) && r.status !== 'succeeded')!.id
  } finally {
    void ctx.close()
  }
}

describe('a full disk during training', () => {
  it('a checkpoint write meeting ENOSPC: one line, the run failed, its last checkpoint kept, resumable', async () => {
    // Two folder writes succeed (epoch 1's best and last checkpoints), the next fails half-written.
    const r = await trainWithFault('folder-writes=2', 6)
    expect(r.code).toBe(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^Error: the disk is full \\(${dir}/runs/[^/]+/checkpoints/(last|best)\\.tmp/weights\\.bin\\)$`),
    )
    await expectFailedThenResumable(newestRun(), /^the disk is full \(.+\.tmp\/weights\.bin\)$/, 6)
  }, 240_000)

  it("main's database meeting SQLITE_FULL: one line naming studio.db, the run failed, resumable", async () => {
    const r = await trainWithFault('db-pages=3', 20)
    expect(r.code).toBe(1)
    expect(r.stderr).not.toMatch(/SqliteError|\n\s+at /)
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`Error: the disk is full (${join(dir, 'studio.db')})`)
    await expectFailedThenResumable(newestRun(), /^the disk is full \(.+studio\.db\)$/, 20)
  }, 240_000)
})
