/**
 * Run archives: a real trained run exported from one data directory and imported into another
 * gives the same figures, curves, predictions and model; newer or damaged archives are refused and
 * leave the history and the runs folder as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { extract, pack } from 'tar-stream'
import type { AppContext } from '../../src/main/core/app-context'
import { openDatabase } from '../../src/main/core/db/database'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { useTempDir } from '../fixtures/temp-dir'
import { importSyntheticDataset, quick, trainRun } from '../fixtures/training'

const tempDir = useTempDir()

/** The archive's entries, by name. */
async function entriesOf(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  const reader = extract()
  reader.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c) => chunks.push(Buffer.from(c as Uint8Array)))
    stream.on('end', () => {
      out.set(header.name, Buffer.concat(chunks))
      next()
    })
  })
  await pipeline(createReadStream(file), createGunzip(), reader)
  return out
}

async function writeArchive(file: string, entries: Map<string, Buffer>): Promise<void> {
  const tar = pack()
  const written = pipeline(tar, createGzip(), createWriteStream(file))
  for (const [name, data] of entries) tar.entry({ name }, data)
  tar.finalize()
  await written
}

/** What a refused import must leave unchanged: every table's rows and the runs folder. */
function snapshot(ctx: AppContext) {
  const db = openDatabase(join(ctx.dataDir, 'studio.db'))
  const tables = ['runs', 'run_steps', 'run_epochs', 'run_validations', 'run_log', 'run_tests', 'run_tags']
  const counts = tables.map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n)
  db.close()
  const runsDir = join(ctx.dataDir, 'runs')
  return { counts, files: existsSync(runsDir) ? readdirSync(runsDir).sort() : [] }
}

describe('run archives', () => {
  let source: AppContext
  let target: AppContext
  let run: RunRecord
  let text: string
  let archive: string
  // The two histories outlive each test (tempDir's folders do not).
  const root = mkdtempSync(join(tmpdir(), 'studio-archive-'))

  beforeAll(async () => {
    source = appContext(join(root, 'a'))
    target = appContext(join(root, 'b'))
    const data = await importSyntheticDataset(source, root, 40)
    text = data.test[0]!.text
    run = await trainRun(source, data.id, 'fasttext-bigram', { ...quick, epochs: 2 })
    expect(run.status).toBe('succeeded')
    await source.request('runs.update', { id: run.id, note: 'exported', tags: ['keep'] })
    archive = join(root, 'run.tar.gz')
    const { bytes } = await source.request('runs.export', { id: run.id, path: archive })
    expect(bytes).toBeGreaterThan(1000)
  })
  afterAll(async () => {
    await source?.close()
    await target?.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('round-trips figures, curves, predictions and a model that scores the same', async () => {
    const imported = await target.request('runs.import', { path: archive })
    expect(imported).toMatchObject({ idChanged: false, datasetAbsent: true })
    const copy = imported.run
    const original = source.runs.get(run.id)
    expect(copy).toMatchObject({
      id: run.id,
      name: original.name,
      status: 'succeeded',
      config: original.config,
      test: original.test,
      bestValidation: original.bestValidation,
      note: 'exported',
      tags: ['keep'],
      datasetId: null,
      datasetName: 'synthetic',
      datasetFingerprint: original.datasetFingerprint,
      jobId: null,
    })
    expect(target.runs.history(copy.id)).toEqual(source.runs.history(run.id))
    expect(readFileSync(join(target.runs.folder(copy.id), 'predictions.bin'))).toEqual(
      readFileSync(join(source.runs.folder(run.id), 'predictions.bin')),
    )
    const [a, b] = await Promise.all([
      source.request('predict', { runId: run.id, text, explain: false }),
      target.request('predict', { runId: copy.id, text, explain: false }),
    ])
    expect(b.probabilities).toEqual(a.probabilities)
    // The same run on the same split: McNemar finds nothing between them.
    const again = await source.request('runs.import', { path: archive })
    expect(again).toMatchObject({ idChanged: true, datasetAbsent: false })
    expect(again.run.datasetId).toBe(original.datasetId)
    const compared = await source.request('runs.compare', { ids: [run.id, again.run.id] })
    expect(compared.mcnemar[0]).toMatchObject({ onlyAWrong: 0, onlyBWrong: 0, significant: false })
  })

  it('refuses an archive of a newer schema, changing nothing', async () => {
    const entries = await entriesOf(archive)
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as { schemaVersion: number }
    entries.set(
      'manifest.json',
      Buffer.from(JSON.stringify({ ...manifest, schemaVersion: manifest.schemaVersion + 1 })),
    )
    const newer = join(tempDir(), 'newer.tar.gz')
    await writeArchive(newer, entries)
    const before = snapshot(target)
    const answer = await target.invoke('runs.import', { path: newer })
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'path' } })
    expect(JSON.stringify(answer)).toMatch(/newer Sentiment Studio .*Update the app/)
    expect(snapshot(target)).toEqual(before)
  })

  it('refuses truncated, tampered and incomplete archives, changing nothing', async () => {
    const entries = await entriesOf(archive)
    const whole = readFileSync(archive)
    // Cut at many points: mid-header, mid-entry and between entries fail on different paths.
    const truncated = Array.from({ length: 19 }, (_, i) => {
      const file = join(tempDir(), `truncated-${i}.tar.gz`)
      writeFileSync(file, whole.subarray(0, Math.floor((whole.length * (i + 1)) / 20)))
      return file
    })
    const tampered = join(tempDir(), 'tampered.tar.gz')
    const run = JSON.parse(entries.get('run.json')!.toString()) as { run: { name: string } }
    run.run.name = 'changed'
    await writeArchive(tampered, new Map([...entries, ['run.json', Buffer.from(JSON.stringify(run))]]))
    const incomplete = join(tempDir(), 'incomplete.tar.gz')
    await writeArchive(incomplete, new Map([...entries].filter(([name]) => name !== 'files/predictions.bin')))
    const notArchive = join(tempDir(), 'notes.tar.gz')
    writeFileSync(notArchive, 'hello')

    const before = snapshot(target)
    const refusals: [string, RegExp][] = [
      ...truncated.map((file): [string, RegExp] => [file, /damaged or not a \.tar\.gz archive/]),
      [tampered, /"run\.json" does not match its checksum/],
      [incomplete, /"files\/predictions\.bin" is missing/],
      [notArchive, /damaged or not a \.tar\.gz archive/],
      [join(tempDir(), 'absent.tar.gz'), /does not exist/],
    ]
    for (const [file, message] of refusals) {
      const answer = await target.invoke('runs.import', { path: file })
      expect(answer.ok, file).toBe(false)
      expect(!answer.ok && answer.error.message).toMatch(message)
      expect(snapshot(target)).toEqual(before)
    }
  })
})
