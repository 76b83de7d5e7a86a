/** Opens a word-vector file as a byte stream: plain text, .gz, or one member of a .zip (glove.6B.zip). */
import { createReadStream } from 'node:fs'
import { open as openFile, stat } from 'node:fs/promises'
import { Transform, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import yauzl from 'yauzl'

export class VectorFileError extends Error {
  override name = 'VectorFileError'
}

export interface OpenedVectors {
  stream: Readable
  /** Bytes the stream will give, when known (plain files and zip members). */
  size: number | null
  /** Bytes of the file on disk, and how many have been read so far (for progress on .gz). */
  compressed: { size: number; read: () => number }
  kind: 'text' | 'gz' | 'zip'
  member: string | null
}

async function magic(path: string): Promise<Buffer> {
  const fh = await openFile(path, 'r')
  try {
    const b = Buffer.alloc(4)
    await fh.read(b, 0, 4, 0)
    return b
  } finally {
    await fh.close()
  }
}

/** What a file is, from its first bytes: zip, gzip or plain text. */
export async function vectorFileKind(path: string): Promise<'text' | 'gz' | 'zip'> {
  const head = await magic(path).catch(() => Buffer.alloc(4))
  return head[0] === 0x50 && head[1] === 0x4b ? 'zip' : head[0] === 0x1f && head[1] === 0x8b ? 'gz' : 'text'
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  )
}

/** The text members of a zip (directories and macOS metadata left out). */
export async function zipMembers(path: string): Promise<{ name: string; size: number }[]> {
  const zip = await openZip(path)
  const members: { name: string; size: number }[] = []
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/'))
        members.push({ name: e.fileName, size: e.uncompressedSize })
      zip.readEntry()
    })
    zip.on('end', resolve)
    zip.on('error', reject)
    zip.readEntry()
  })
  zip.close()
  return members
}

export async function openVectors(path: string, member?: string): Promise<OpenedVectors> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new VectorFileError(
      err.code === 'ENOENT' ? `${path} does not exist; check the path.` : `${path} cannot be read (${err.code}).`,
    )
  })
  if (!info.isFile()) throw new VectorFileError(`${path} is not a file; choose a vector file (.txt, .gz or .zip).`)
  if (info.size === 0) throw new VectorFileError(`${path} is empty; choose another vector file.`)
  const head = await magic(path)
  if (head[0] === 0x50 && head[1] === 0x4b) return openZipMember(path, info.size, member)
  const raw = createReadStream(path, { highWaterMark: 1 << 20 })
  const compressed = { size: info.size, read: () => raw.bytesRead }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 })
    raw.on('error', (e) => gunzip.destroy(e))
    return { stream: raw.pipe(gunzip), size: null, compressed, kind: 'gz', member: null }
  }
  return { stream: raw, size: info.size, compressed, kind: 'text', member: null }
}

async function openZipMember(path: string, size: number, member?: string): Promise<OpenedVectors> {
  const members = await zipMembers(path)
  if (members.length === 0) throw new VectorFileError(`${path} is a zip with no files in it.`)
  const chosen = member ?? (members.length === 1 ? members[0]!.name : undefined)
  if (!chosen)
    throw new VectorFileError(
      `${path} holds ${members.length} files (${members.map((m) => m.name).join(', ')}); choose one of them.`,
    )
  const zip = await openZip(path)
  const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => (e.fileName === chosen ? resolve(e) : zip.readEntry()))
    zip.on('end', () => resolve(null))
    zip.on('error', reject)
    zip.readEntry()
  })
  if (!entry)
    throw new VectorFileError(`${path} has no member "${chosen}"; it has ${members.map((m) => m.name).join(', ')}.`)
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
  )
  stream.on('close', () => zip.close())
  // Counted on the way through: a 'data' listener would start the stream before anyone reads it.
  let read = 0
  const counted = stream.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, callback) {
        read += chunk.length
        callback(null, chunk)
      },
    }),
  )
  stream.on('error', (e) => counted.destroy(e))
  return {
    stream: counted,
    size: entry.uncompressedSize,
    compressed: { size, read: () => Math.round((read / Math.max(1, entry.uncompressedSize)) * size) },
    kind: 'zip',
    member: chosen,
  }
}
