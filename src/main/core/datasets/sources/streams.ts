/**
 * Files as streams of bytes (plain, .gz or .bz2, told by their first bytes) and of decoded lines,
 * with damaged archives and bad bytes turned into messages that name the file and line.
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { PassThrough } from 'node:stream'
import { createGunzip } from 'node:zlib'
import unbzip2 from 'unbzip2-stream'
import type { Encoding } from '../../../../shared/datasets'
import {
  asciiCompatible,
  createUtf16Decoder,
  decode,
  DecodeError,
  detectEncoding,
  type ConcreteEncoding,
  type Utf16,
} from '../encoding'
import { SourceError } from './types'

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

type Compression = 'none' | 'gz' | 'bz2'

/** The compression of a file by its first bytes; a name that promises one the bytes do not have is an error. */
async function compressionOf(path: string): Promise<Compression> {
  const fh = await open(path, 'r')
  const b = Buffer.alloc(4)
  try {
    await fh.read(b, 0, 4, 0)
  } finally {
    await fh.close()
  }
  const found: Compression =
    b[0] === 0x1f && b[1] === 0x8b ? 'gz' : b.toString('latin1', 0, 3) === 'BZh' && b[3]! >= 0x31 ? 'bz2' : 'none'
  const named: Compression = /\.(gz|tgz)$/i.test(path) ? 'gz' : /\.bz2$/i.test(path) ? 'bz2' : 'none'
  if (named !== 'none' && found !== named)
    throw new SourceError(
      `${path} is named .${named} but does not hold ${named === 'gz' ? 'gzip' : 'bzip2'} data; it looks corrupt: download it again.`,
    )
  return found
}

export interface ByteSource {
  /** The content in chunks; a damaged archive fails with a SourceError naming the file. Leaving early closes the file. */
  chunks: AsyncIterable<Buffer>
  /** Compressed bytes read so far, of `size`, for progress. */
  read(): number
  size: number
}

export async function openBytes(path: string): Promise<ByteSource> {
  const { size } = await checkedStat(path, 'file')
  const compression = await compressionOf(path)
  const raw = createReadStream(path, { highWaterMark: 1 << 20 })
  // unbzip2-stream is an old-style stream: a PassThrough makes it async-iterable, errors included.
  const out = new PassThrough({ highWaterMark: 1 << 20 })
  const inflate = compression === 'gz' ? createGunzip({ chunkSize: 1 << 16 }) : compression === 'bz2' ? unbzip2() : null
  raw.on('error', (err) => out.destroy(err))
  if (inflate) {
    inflate.on('error', (err: Error) => out.destroy(err))
    raw.pipe(inflate).pipe(out)
  } else raw.pipe(out)
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of out as AsyncIterable<Buffer>) yield chunk
    } catch (err) {
      if (!inflate) throw err
      throw new SourceError(`${path} looks truncated or corrupt (${(err as Error).message}); download it again.`)
    } finally {
      raw.destroy()
      inflate?.destroy()
    }
  }
  return { chunks: chunks(), read: () => raw.bytesRead, size }
}

/**
 * Decoded lines without their line ends, a chunk's worth at a time (no object per line): `texts[i]`
 * is line `first + i`. A line whose bytes could not be decoded is '' in `texts`, with why in `errors`.
 */
export interface LineBatch {
  first: number
  texts: string[]
  errors: Map<number, string> | null
}

export interface LineOptions {
  encoding: Encoding
  /** Called once, with the encoding used and why. */
  onEncoding(encoding: ConcreteEncoding, reason: string): void
  /** Compressed bytes read of the file's size, called about once per megabyte. */
  progress?(read: number, size: number): void
}

/** Bytes to look at before choosing the encoding, and the longest line accepted. */
const sampleBytes = 1 << 20
const maxLine = 64 << 20

/**
 * Decoded lines, in batches. With encoding 'auto' the encoding is detected from the first megabyte. In
 * ASCII-compatible encodings, lines are cut before decoding, so a line with bytes the encoding cannot
 * have is reported on its own (`errors`) and the others are read; UTF-16 text that does not decode
 * stops with a SourceError.
 */
export async function* readLines(path: string, options: LineOptions): AsyncGenerator<LineBatch> {
  const source = await openBytes(path)
  let lastRead = 0
  let head: Buffer[] | null = []
  let headBytes = 0
  let lines: LineSplitter | null = null
  for await (const chunk of source.chunks) {
    if (source.read() !== lastRead) {
      lastRead = source.read()
      options.progress?.(lastRead, source.size)
    }
    if (head) {
      head.push(chunk)
      headBytes += chunk.length
      if (headBytes < sampleBytes) continue
      const sample = Buffer.concat(head)
      head = null
      lines = splitterFor(path, sample, options)
      yield lines.write(sample)
    } else yield lines!.write(chunk)
  }
  if (head) {
    const sample = Buffer.concat(head)
    lines = splitterFor(path, sample, options)
    yield lines.write(sample)
  }
  yield lines!.end()
}

interface LineSplitter {
  write(chunk: Buffer): LineBatch
  end(): LineBatch
}

function splitterFor(path: string, sample: Buffer, options: LineOptions): LineSplitter {
  const detected =
    options.encoding === 'auto' ? detectEncoding(sample) : { encoding: options.encoding, reason: 'chosen by you' }
  options.onEncoding(detected.encoding, detected.reason)
  const e = detected.encoding
  return asciiCompatible(e) ? byteLines(path, e) : textLines(path, e)
}

/** Lines cut at 0x0A bytes and decoded a run at a time; only a run that fails is decoded line by line. */
function byteLines(path: string, encoding: ConcreteEncoding): LineSplitter {
  let carry: Buffer = Buffer.alloc(0)
  let offset = 0
  let lineNo = 0
  const run = (bytes: Buffer): LineBatch => {
    const batch: LineBatch = { first: lineNo + 1, texts: [], errors: null }
    if (bytes.length === 0) return batch
    try {
      const texts = decode(bytes, encoding, offset).split('\n')
      if (bytes[bytes.length - 1] === 0x0a) texts.pop()
      for (let i = 0; i < texts.length; i++) texts[i] = stripCr(texts[i]!)
      batch.texts = texts
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      let from = 0
      while (from < bytes.length) {
        const nl = bytes.indexOf(0x0a, from)
        const end = nl < 0 ? bytes.length : nl
        try {
          batch.texts.push(stripCr(decode(bytes.subarray(from, end), encoding, offset + from)))
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e
          ;(batch.errors ??= new Map()).set(batch.texts.length, e.message)
          batch.texts.push('')
        }
        from = end + 1
      }
    }
    offset += bytes.length
    lineNo += batch.texts.length
    return batch
  }
  return {
    write(chunk) {
      const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk
      const cut = bytes.lastIndexOf(0x0a)
      const batch = run(bytes.subarray(0, cut + 1))
      carry = bytes.subarray(cut + 1)
      if (carry.length > maxLine)
        throw new SourceError(
          `${path}: line ${lineNo + 1} is longer than 64 MB; is this a text file with one example per line?`,
        )
      return batch
    },
    end: () => run(carry),
  }
}

/** UTF-16: decoded as a stream, then cut into lines. */
function textLines(path: string, encoding: Utf16): LineSplitter {
  const decoder = createUtf16Decoder(encoding)
  let pending = ''
  let lineNo = 0
  let first = true
  const take = (text: string, final: boolean): LineBatch => {
    if (first && text) {
      first = false
      text = text.replace(/^\uFEFF/, '')
    }
    pending += text
    const texts = pending.split('\n')
    pending = final ? '' : texts.pop()!
    if (final && texts[texts.length - 1] === '') texts.pop()
    for (let i = 0; i < texts.length; i++) texts[i] = stripCr(texts[i]!)
    const batch = { first: lineNo + 1, texts, errors: null }
    lineNo += texts.length
    return batch
  }
  const fail = (err: unknown): never => {
    if (!(err instanceof DecodeError)) throw err
    throw new SourceError(`${path} near line ${lineNo + 1}: ${err.message} (and import again).`)
  }
  return {
    write: (chunk) => {
      try {
        return take(decoder.write(chunk), false)
      } catch (err) {
        return fail(err)
      }
    },
    end: () => {
      try {
        return take(decoder.end(), true)
      } catch (err) {
        return fail(err)
      }
    },
  }
}

const stripCr = (s: string) => (s.endsWith('\r') ? s.slice(0, -1) : s)

/** The writable side of a parser stream (csv-parse, tar-stream's extract). */
export interface ParserInput {
  write(chunk: string | Buffer): boolean
  end(chunk?: string): unknown
  destroy(err?: Error): void
  readonly destroyed: boolean
  on(event: 'drain' | 'close', listener: () => void): unknown
  off(event: 'drain' | 'close', listener: () => void): unknown
}

/**
 * Writes chunks into a parser with back-pressure, then ends it; a failing source destroys the parser
 * with its error. Stops (closing the source) once the parser is destroyed, e.g. when its reader left early.
 */
export async function feed(parser: ParserInput, chunks: AsyncIterable<string | Buffer>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (parser.destroyed) return
      if (parser.write(chunk)) continue
      await new Promise<void>((resolve) => {
        const done = () => {
          parser.off('drain', done)
          parser.off('close', done)
          resolve()
        }
        parser.on('drain', done)
        parser.on('close', done)
      })
    }
    if (!parser.destroyed) parser.end()
  } catch (err) {
    parser.destroy(err as Error)
  }
}
