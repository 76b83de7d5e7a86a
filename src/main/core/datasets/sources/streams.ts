/**
 * Files as streams of bytes (plain, .gz or .bz2, told by their first bytes) and of decoded lines,
 * with damaged archives and bad bytes turned into messages that name the file and line.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { PassThrough, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import unbzip2 from 'unbzip2-stream'
import type { Encoding } from '../../../../shared/datasets'
import { createDecoder, detectEncoding, firstInvalidUtf8, type ConcreteEncoding, type Decoder } from '../encoding'
import { SourceError } from './types'

export type Compression = 'none' | 'gz' | 'bz2'

export async function checkedStat(path: string, want: 'file' | 'folder' | 'any') {
  const s = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new SourceError(
      err.code === 'ENOENT'
        ? `${path} does not exist; check the path.`
        : `${path} cannot be read (${err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.code}); check its permissions.`,
    )
  })
  if (want === 'folder' && !s.isDirectory())
    throw new SourceError(`${path} is a file, not a folder; choose the folder that holds the reviews.`)
  if (want === 'file' && !s.isFile())
    throw new SourceError(`${path} is a folder, not a file; choose a file, or the folder format.`)
  if (want !== 'folder' && s.isFile() && s.size === 0) throw new SourceError(`${path} is empty; choose another file.`)
  return s
}

export async function compressionOf(path: string): Promise<Compression> {
  const fh = await open(path, 'r')
  try {
    const b = Buffer.alloc(3)
    await fh.read(b, 0, 3, 0)
    if (b[0] === 0x1f && b[1] === 0x8b) return 'gz'
    if (b.toString('latin1') === 'BZh') return 'bz2'
    return 'none'
  } finally {
    await fh.close()
  }
}

export interface ByteSource {
  /** The content in chunks; a damaged archive fails with a SourceError naming the file. */
  chunks: AsyncIterable<Buffer>
  /** Compressed bytes read so far, of `size`, for progress. */
  read(): number
  size: number
}

export async function openBytes(path: string): Promise<ByteSource> {
  const { size } = await checkedStat(path, 'file')
  const compression = await compressionOf(path)
  const raw = createReadStream(path, { highWaterMark: 1 << 20 })
  let stream: Readable = raw
  if (compression !== 'none') {
    const inflate = (compression === 'gz' ? createGunzip() : unbzip2()) as unknown as Readable & NodeJS.WritableStream
    // unbzip2-stream is an old-style stream: a PassThrough makes it async-iterable, errors included.
    const out = new PassThrough()
    raw.on('error', (err) => out.destroy(err))
    inflate.on('error', (err: Error) => out.destroy(err))
    stream = raw.pipe(inflate).pipe(out)
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk
    } catch (err) {
      if (compression === 'none' || err instanceof SourceError) throw err
      throw new SourceError(`${path} looks truncated or corrupt (${(err as Error).message}); download it again.`)
    }
  }
  return { chunks: chunks(), read: () => raw.bytesRead, size }
}

export interface Line {
  text: string
  lineNo: number
}

/**
 * Decoded text in chunks. With encoding 'auto' the encoding is detected from the first megabyte;
 * if a later part does not fit, the import stops with a message to choose the encoding rather than
 * guess (and never inserts replacement characters).
 */
export async function* readText(
  path: string,
  encoding: Encoding,
  onEncoding: (detected: ConcreteEncoding, reason: string) => void,
  progress?: (read: number, size: number) => void,
): AsyncGenerator<string> {
  const source = await openBytes(path)
  let decoder: Decoder | null = null
  let chosen: ConcreteEncoding = 'utf-8'
  let decodedBytes = 0
  let head: Buffer[] = []
  let headBytes = 0
  const start = (sample: Buffer) => {
    const d = encoding === 'auto' ? detectEncoding(sample) : { encoding, reason: 'chosen by you' }
    chosen = d.encoding
    onEncoding(chosen, d.reason)
    decoder = createDecoder(chosen)
  }
  let first = true
  const decode = (bytes: Buffer, final: boolean): string => {
    try {
      if (first && bytes.length > 0) {
        first = false
        // A byte-order mark is not text.
        const t = decoder!.write(bytes) + (final ? decoder!.end() : '')
        decodedBytes += bytes.length
        return t.replace(/^\uFEFF/, '')
      }
      const text = decoder!.write(bytes) + (final ? decoder!.end() : '')
      decodedBytes += bytes.length
      return text
    } catch {
      const at = chosen === 'utf-8' ? firstInvalidUtf8(bytes) : -1
      throw new SourceError(
        `${path}: the bytes${at >= 0 ? ` at offset ${decodedBytes + at}` : ''} are not valid ${chosen}; import again choosing the file's encoding (for example windows-1252).`,
      )
    }
  }
  for await (const chunk of source.chunks) {
    progress?.(source.read(), source.size)
    if (decoder) {
      yield decode(chunk, false)
      continue
    }
    head.push(chunk)
    headBytes += chunk.length
    if (headBytes < 1 << 20) continue
    const all = Buffer.concat(head)
    head = []
    start(all)
    yield decode(all, false)
  }
  if (!decoder) {
    const all = Buffer.concat(head)
    start(all)
    yield decode(all, true)
  } else yield decode(Buffer.alloc(0), true)
}

/** Decoded lines, numbered from 1, without their line endings. */
export async function* readLines(
  path: string,
  encoding: Encoding,
  onEncoding: (detected: ConcreteEncoding, reason: string) => void,
  progress?: (read: number, size: number) => void,
): AsyncGenerator<Line> {
  let pending = ''
  let lineNo = 0
  for await (const text of readText(path, encoding, onEncoding, progress)) {
    pending += text
    let from = 0
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', from)) {
      yield { text: pending.slice(from, nl).replace(/\r$/, ''), lineNo: ++lineNo }
      from = nl + 1
    }
    pending = pending.slice(from)
  }
  if (pending.length > 0) yield { text: pending.replace(/\r$/, ''), lineNo: ++lineNo }
}
