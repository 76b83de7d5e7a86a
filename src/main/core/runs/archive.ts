/**
 * A run as one archive file (`.tar.gz`): `manifest.json` (format, schema version, each part's size
 * and SHA-256), `run.json` (the run's rows: settings, figures, curves, log, tags) and `files/` (the
 * model bundle and the test predictions; checkpoints stay behind, an exported run is finished).
 *
 * Import reads the whole archive into a temporary folder beside the runs and checks it before
 * anything is written to the history: a newer schema, a truncated stream, a part missing, extra or
 * with another checksum is refused with the reason, and the folder is removed. Then the files move
 * into place with one rename and the rows go in as one transaction.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, posix, relative, sep } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { extract, pack } from 'tar-stream'
import { z } from 'zod'
import { ApiError } from '../../../shared/errors'
import type { Db } from '../db/database'
import { latestSchemaVersion } from '../db/migrations'

export const archiveFormat = 'sentiment-studio-run'
/** The archive layout's own version (the database schema's is recorded beside it). */
const layoutVersion = 1
/** The run's tables, each keyed by `run_id`, copied whole (the runs row itself is separate). */
const childTables = ['run_steps', 'run_epochs', 'run_validations', 'run_log', 'run_tests', 'run_tags'] as const
/** Files of a run folder that travel: the bundle and the predictions. */
const carried = (rel: string) => rel === 'predictions.bin' || rel.startsWith(`model${posix.sep}`)
/** Columns that only mean something in the exporting history. */
const localColumns = new Set(['job_id', 'queue_position', 'queue_owner'])

const part = z.object({ bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict()
const manifestSchema = z.object({
  format: z.literal(archiveFormat),
  layout: z.number().int(),
  schemaVersion: z.number().int(),
  app: z.string(),
  exportedAt: z.string(),
  runId: z.string(),
  parts: z.record(z.string(), part),
})
type Manifest = z.infer<typeof manifestSchema>

type Row = Record<string, unknown>
const tableSchema = z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.unknown())) }).strict()
const runFileSchema = z
  .object({
    run: z.record(z.string(), z.unknown()),
    dataset: z.object({ id: z.string().nullable(), name: z.string().nullable(), fingerprint: z.string().nullable() }),
    tables: z.record(z.string(), tableSchema),
  })
  .strict()
type RunFile = z.infer<typeof runFileSchema>

export interface ImportOutcome {
  id: string
  /** The archive's run id was taken here, so the run got a new one. */
  idChanged: boolean
  /** No dataset with the run's fingerprint is here: the run keeps its name as a label. */
  datasetAbsent: boolean
}

/** Writes run `id` (folder `runDir`) to `out`: beside it first, then renamed, so a failure leaves nothing. */
export async function exportRun(
  db: Db,
  id: string,
  runDir: string,
  out: string,
  app: string,
): Promise<{ bytes: number }> {
  const run = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined
  if (!run) throw new ApiError('not_found', `No run with id ${id}.`, 'id')
  if (run.status === 'running' || run.status === 'queued')
    throw new ApiError('invalid_payload', `Run ${id} is ${String(run.status)}: export it once it has ended.`, 'id')
  const dataset = db.prepare('SELECT id, name, fingerprint FROM datasets WHERE id = ?').get(run.dataset_id) as
    { id: string; name: string; fingerprint: string } | undefined
  const content: RunFile = {
    run,
    dataset: {
      id: dataset?.id ?? null,
      name: dataset?.name ?? (run.dataset_label as string | null) ?? null,
      fingerprint: (run.dataset_fingerprint as string | null) ?? null,
    },
    tables: Object.fromEntries(childTables.map((t) => [t, tableOf(db, t, id)])),
  }
  const runJson = Buffer.from(JSON.stringify(content))
  const files = existsSync(runDir) ? (await walk(runDir)).filter(carried) : []
  const parts: Manifest['parts'] = { 'run.json': { bytes: runJson.length, sha256: sha256(runJson) } }
  for (const rel of files) parts[`files/${rel}`] = await hashFile(join(runDir, ...rel.split(posix.sep)))
  const manifest: Manifest = {
    format: archiveFormat,
    layout: layoutVersion,
    schemaVersion: latestSchemaVersion,
    app,
    exportedAt: new Date().toISOString(),
    runId: id,
    parts,
  }

  const tmp = `${out}.${process.pid}-${randomUUID()}.part`
  try {
    await mkdir(dirname(out), { recursive: true })
    const tar = pack()
    const written = pipeline(tar, createGzip(), createWriteStream(tmp, { mode: 0o600 }))
    tar.entry({ name: 'manifest.json' }, JSON.stringify(manifest, null, 2))
    tar.entry({ name: 'run.json' }, runJson)
    for (const rel of files) await addFile(tar, `files/${rel}`, join(runDir, ...rel.split(posix.sep)))
    tar.finalize()
    await written
    await rename(tmp, out)
  } catch (err) {
    await rm(tmp, { force: true })
    if (err instanceof ApiError) throw err
    throw new ApiError('failed', `Could not write ${out}: ${(err as Error).message}`, 'path')
  }
  return { bytes: (await stat(out)).size }
}

/**
 * Adds the run in `file` to this history: its files under `runsRoot/<id>`, its rows in one
 * transaction. Nothing is left behind when the archive is refused.
 */
export async function importRun(db: Db, file: string, runsRoot: string): Promise<ImportOutcome> {
  const staging = join(runsRoot, `${stagingPrefix}${process.pid}-${randomUUID()}`)
  try {
    const { manifest, content } = await unpack(file, staging)
    return await install(db, manifest, content, staging, runsRoot)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/** Folders of imports in progress, named for their process so a dead one's can be removed. */
export const stagingPrefix = '.import-'

async function unpack(file: string, staging: string): Promise<{ manifest: Manifest; content: RunFile }> {
  const refuse = (why: string) => new ApiError('invalid_payload', `${file} cannot be imported: ${why}`, 'path')
  if (!existsSync(file)) throw new ApiError('not_found', `${file} does not exist.`, 'path')
  await mkdir(staging, { recursive: true })
  const found = new Map<string, { bytes: number; sha256: string }>()
  const reader = extract()
  reader.on('entry', (header, stream, next) => {
    const name = header.name
    const safe =
      header.type === 'file' &&
      (name === 'manifest.json' || name === 'run.json' || name.startsWith('files/')) &&
      !name.split('/').some((s) => s === '..' || s === '') &&
      !found.has(name)
    if (!safe) {
      stream.resume()
      reader.destroy(refuse(`it holds "${name}", which is not part of a run archive.`))
      return
    }
    const target = join(staging, ...name.split('/'))
    const hash = createHash('sha256')
    let bytes = 0
    const counted = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk)
        bytes += chunk.length
        done(null, chunk)
      },
    })
    // The entry must be piped before any await: when the archive fails mid-entry the extractor
    // destroys it with that error, which would otherwise be emitted with no listener.
    mkdirSync(dirname(target), { recursive: true })
    pipeline(stream, counted, createWriteStream(target))
      .then(() => {
        found.set(name, { bytes, sha256: hash.digest('hex') })
        next()
      })
      .catch((err: unknown) => reader.destroy(err instanceof Error ? err : new Error(String(err))))
  })
  try {
    await pipeline(createReadStream(file), createGunzip(), reader)
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw refuse(`it is damaged or not a .tar.gz archive (${(err as Error).message}).`)
  }

  if (!found.has('manifest.json')) throw refuse('it has no manifest.json (it is not a run archive).')
  let manifest: Manifest
  try {
    manifest = manifestSchema.parse(JSON.parse(await readFile(join(staging, 'manifest.json'), 'utf8')))
  } catch {
    throw refuse('its manifest.json is not a run archive manifest.')
  }
  if (manifest.schemaVersion > latestSchemaVersion || manifest.layout > layoutVersion)
    throw refuse(
      `it was made by a newer Sentiment Studio (${manifest.app}, schema ${manifest.schemaVersion}; this one knows up to ${latestSchemaVersion}). Update the app to import it.`,
    )
  for (const [name, expected] of Object.entries(manifest.parts)) {
    const got = found.get(name)
    if (!got) throw refuse(`the part "${name}" is missing.`)
    if (got.bytes !== expected.bytes || got.sha256 !== expected.sha256)
      throw refuse(`the part "${name}" does not match its checksum (the file is damaged).`)
  }
  const extra = [...found.keys()].find((n) => n !== 'manifest.json' && !(n in manifest.parts))
  if (extra) throw refuse(`the part "${extra}" is not listed in its manifest.`)
  const parsed = runFileSchema.safeParse(JSON.parse(await readFile(join(staging, 'run.json'), 'utf8')))
  if (!parsed.success) throw refuse(`its run.json is malformed (${parsed.error.issues[0]!.path.join('.')}).`)
  return { manifest, content: parsed.data }
}

async function install(
  db: Db,
  manifest: Manifest,
  content: RunFile,
  staging: string,
  runsRoot: string,
): Promise<ImportOutcome> {
  const taken = (id: string) => db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined
  const idChanged = taken(manifest.runId) || existsSync(join(runsRoot, manifest.runId))
  const id = idChanged ? randomUUID() : manifest.runId
  // The same dataset is one with the same content: its id here may differ.
  const local = (
    content.dataset.fingerprint
      ? db
          .prepare('SELECT id FROM datasets WHERE fingerprint = ? ORDER BY id = ? DESC, created_at LIMIT 1')
          .get(content.dataset.fingerprint, content.dataset.id)
      : undefined
  ) as { id: string } | undefined
  const vectors = content.run.vectors_id
  const run: Row = {
    ...content.run,
    id,
    status: content.run.status === 'running' || content.run.status === 'queued' ? 'interrupted' : content.run.status,
    dataset_id: local?.id ?? null,
    dataset_label: content.dataset.name,
    vectors_id:
      typeof vectors === 'string' && db.prepare('SELECT 1 FROM vector_files WHERE id = ?').get(vectors)
        ? vectors
        : null,
  }
  for (const c of localColumns) run[c] = null

  const target = join(runsRoot, id)
  const files = join(staging, 'files')
  if (existsSync(files)) await rename(files, target)
  try {
    db.transaction(() => {
      insertRow(db, 'runs', run)
      for (const [table, { columns, rows }] of Object.entries(content.tables)) {
        if (!(childTables as readonly string[]).includes(table)) continue
        for (const values of rows)
          insertRow(db, table, { ...Object.fromEntries(columns.map((c, i) => [c, values[i]])), run_id: id })
      }
    })()
  } catch (err) {
    await rm(target, { recursive: true, force: true })
    throw new ApiError('failed', `The run could not be added to the history: ${(err as Error).message}`, 'path')
  }
  return { id, idChanged, datasetAbsent: !local }
}

/** Inserts the columns this schema has (an archive of an older schema lacks some; they take their defaults). */
function insertRow(db: Db, table: string, row: Row): void {
  const known = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name))
  const columns = Object.keys(row).filter((c) => known.has(c))
  db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(
    ...columns.map((c) => row[c] ?? null),
  )
}

function tableOf(db: Db, table: string, runId: string): z.infer<typeof tableSchema> {
  const statement = db.prepare(`SELECT * FROM ${table} WHERE run_id = ?`).raw()
  const columns = statement.columns().map((c) => c.name)
  const runColumn = columns.indexOf('run_id')
  return {
    columns: columns.filter((_, i) => i !== runColumn),
    rows: (statement.all(runId) as unknown[][]).map((r) => r.filter((_, i) => i !== runColumn)),
  }
}

/** The files under `dir`, as `/`-separated relative paths. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join(posix.sep))
  return out.sort()
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

async function hashFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return { bytes, sha256: hash.digest('hex') }
}

async function addFile(tar: ReturnType<typeof pack>, name: string, path: string): Promise<void> {
  const { size } = await stat(path)
  await new Promise<void>((resolve, reject) => {
    const entry = tar.entry({ name, size }, (err) => (err ? reject(err) : resolve()))
    pipeline(createReadStream(path) as Readable, entry).catch(reject)
  })
}
