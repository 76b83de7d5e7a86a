/**
 * The CLI under a slow reader, a full disk and a data directory it may not write: the whole JSON
 * document arrives, and failures end in one line naming the path and the cause.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/main/core/db/database'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')

interface Ran {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI, optionally as another user (for a data directory it may not write). */
function run(args: string[], options: { uid?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A data directory whose history holds `n` datasets of about 1 KB each. */
function historyOf(n: number): string {
  const dataDir = tempDir()
  const db = openDatabase(join(dataDir, 'studio.db'))
  const insert = db.prepare(
    `INSERT INTO datasets (id, name, format, source_path, fingerprint, classes_json, settings_json, stats_json, created_at)
     VALUES (?, ?, 'delimited', '/x.csv', 'f', '["neg","pos"]', '{}', ?, '2026-01-01T00:00:00Z')`,
  )
  for (let i = 0; i < n; i++) insert.run(`d${i}`, `dataset ${i}`, JSON.stringify({ note: 'x'.repeat(1000) }))
  db.close()
  return dataDir
}

describe('cli output and failures', () => {
  it('delivers the whole --json document to a reader that waits', async () => {
    const dataDir = historyOf(200)
    // The probe: a pipe whose reader starts after the CLI has finished writing.
    const command = `"${process.execPath}" --import tsx "${cli}" datasets list --json --data-dir "${dataDir}" | (sleep 3; cat)`
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', maxBuffer: 1 << 24 })
    expect(r.stderr).toBe('')
    expect(r.stdout.length).toBeGreaterThan(150_000)
    expect(JSON.parse(r.stdout)).toHaveLength(200)
  }, 60_000)
})

/** A tmpfs of `kib` KiB (root only), or null where mounting is not allowed. */
function smallDisk(kib: number): string | null {
  if (process.getuid?.() !== 0) return null
  const dir = mkdtempSync(join(tmpdir(), 'studio-disk-'))
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir])
  onTestFinished(() => {
    if (r.status === 0) spawnSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  if (r.status !== 0) return null
  return dir
}

describe('cli and the data directory', () => {
  it('creates the data directory 700 and the database 600', async () => {
    const dataDir = join(tempDir(), 'new', 'data')
    const r = await run(['datasets', 'list', '--json', '--data-dir', dataDir])
    expect(r.code).toBe(0)
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dataDir, 'studio.db')).mode & 0o777).toBe(0o600)
  })

  it('reads the history of a data directory it cannot write, and names the path and cause when asked to write', async () => {
    const dataDir = historyOf(3)
    chmodSync(dataDir, 0o755)
    chmodSync(join(dataDir, 'studio.db'), 0o644)
    // Root writes anywhere: run as nobody then; anyone else meets a folder made read-only.
    const asRoot = process.getuid?.() === 0
    if (!asRoot) chmodSync(dataDir, 0o555)
    const uid = asRoot ? 65534 : undefined
    const list = await run(['datasets', 'list', '--json', '--data-dir', dataDir], { uid })
    expect(list.code).toBe(0)
    expect(JSON.parse(list.stdout)).toHaveLength(3)
    const runs = await run(['runs', 'list', '--json', '--data-dir', dataDir], { uid })
    expect(runs.code, runs.stderr).toBe(0)
    expect(JSON.parse(runs.stdout)).toEqual([])
    expect(list.stderr).toContain(`(${join(dataDir, 'studio.db')})`)
    expect(list.stderr).toMatch(/read-only|permission denied/)
    const del = await run(['datasets', 'delete', 'd0', '--data-dir', dataDir], { uid })
    expect(del.code).toBe(1)
    expect(del.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^Error: .*(read-only|permission denied).*${dataDir}`),
    )
    if (!asRoot) chmodSync(dataDir, 0o755)
  }, 60_000)

  it('reads the history on a read-only mount, where root too is refused, naming the path and the cause', async (test) => {
    if (process.getuid?.() !== 0) return test.skip()
    const dataDir = historyOf(2)
    // Its own folder, unmounted here: the temporary folders are removed before onTestFinished runs.
    const ro = mkdtempSync(join(tmpdir(), 'studio-ro-'))
    const bind = spawnSync('mount', ['--bind', dataDir, ro])
    onTestFinished(() => {
      if (bind.status === 0) spawnSync('umount', [ro])
      rmSync(ro, { recursive: true, force: true })
    })
    if (bind.status !== 0 || spawnSync('mount', ['-o', 'remount,bind,ro', ro]).status !== 0) return test.skip()
    const datasets = await run(['datasets', 'list', '--json', '--data-dir', ro])
    expect(datasets.code, datasets.stderr).toBe(0)
    expect(JSON.parse(datasets.stdout)).toHaveLength(2)
    const runs = await run(['runs', 'list', '--json', '--data-dir', ro])
    expect(runs.code, runs.stderr).toBe(0)
    expect(JSON.parse(runs.stdout)).toEqual([])
    for (const r of [datasets, runs])
      expect(r.stderr.trim()).toMatch(
        new RegExp(
          `^Warning: .*: the file system is read-only \\(${join(ro, 'studio.db')}\\)\\. Showing the history read-only`,
        ),
      )
    const del = await run(['datasets', 'delete', 'd0', '--data-dir', ro])
    expect(del.code).toBe(1)
    expect(del.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^Error: .*read-only.*${ro}`))
  }, 60_000)

  it('ends an import on a full disk with one line, "the disk is full (path)"', async (test) => {
    const disk = smallDisk(2048)
    if (!disk) return test.skip()
    const dataDir = join(disk, 'data')
    expect((await run(['datasets', 'list', '--data-dir', dataDir])).code).toBe(0)
    const { bavail, bsize } = statfsSync(disk)
    writeFileSync(join(disk, 'fill'), Buffer.alloc(bavail * bsize - 160 * 1024))
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `review ${i} was ${'good fine bad awful great '.repeat(6)},${i % 2 ? 'pos' : 'neg'}`,
    )
    const csv = join(tempDir(), 'reviews.csv')
    writeFileSync(csv, ['text,label', ...rows].join('\n'))
    const r = await run(['import', '--path', csv, '--data-dir', dataDir, '--json'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).not.toMatch(/\n\s+at /)
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(new RegExp(`^Error: the disk is full \\(${disk}/.+\\)$`))
  }, 60_000)
})
