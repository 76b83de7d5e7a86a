/**
 * Writes the `COUNT DIM` header that word2vec-format readers (gensim's load_word2vec_format) need,
 * or removes one, so nobody has to open a 1 GB file in a text editor. Streamed and atomic: the
 * result is written to a temporary file beside the target, verified by re-reading its first line,
 * then renamed into place; the original is untouched until then.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { FixHeaderResult } from '../../../shared/vectors'
import { forEachLine } from './lines'
import { openVectors, vectorFileKind, VectorFileError, type OpenedVectors } from './open'
import { inspectVectors, isHeader } from './scan'

export interface FixHeaderOptions {
  path: string
  member?: string
  /** Where to write; default: in place for plain text files, `<name>.w2v.txt` beside .gz/.zip. */
  out?: string
  /** Remove the header instead of writing one (word2vec text → GloVe). */
  remove?: boolean
  /** Leave out unusable lines (reported) instead of refusing. */
  dropBadLines?: boolean
  signal?: AbortSignal
  progress?: (done: number, total: number, phase: 'checking' | 'writing') => void
}

export async function fixHeader(options: FixHeaderOptions): Promise<FixHeaderResult> {
  const kind = await vectorFileKind(options.path)
  const out = options.out ?? (kind === 'text' ? options.path : defaultOut(options.path, options.member))
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`)
  const wanted = (count: number, dim: number) => (options.remove ? null : `${count} ${dim}`)
  try {
    // Plain text: guess the header from a quick line count and copy while the full check runs, so the
    // two passes overlap; the guess is used only if the check agrees with it.
    const guess = kind === 'text' ? await guessShape(options.path) : null
    const bad = new Set<number>()
    const early = guess
      ? writeVersion(temp, wanted(guess.count, guess.dim), options, { skipHeader: guess.header, bad: null }).then(
          () => true,
          () => false,
        )
      : Promise.resolve(false)
    const [inspection, earlyDone] = await Promise.all([
      inspectVectors(options.path, {
        member: options.member,
        signal: options.signal,
        progress: (d, t) => options.progress?.(d, t, 'checking'),
        onBadLine: (line) => bad.add(line),
      }),
      early,
    ])
    if (!inspection.consistent && !options.dropBadLines) {
      const first = inspection.problems.find((p) => bad.has(p.line))
      throw new VectorFileError(
        `${options.path} has ${bad.size} unusable line${bad.size > 1 ? 's' : ''} (first: line ${first?.line}, ${first?.message}); ` +
          'fix the file, or choose to drop the bad lines.',
      )
    }
    const headerLine = wanted(inspection.count, inspection.dim)
    const verbatim = bad.size === 0 && !inspection.problemCounts.bom && !inspection.problemCounts['empty-line']
    const guessHolds = earlyDone && verbatim && guess !== null && wanted(guess.count, guess.dim) === headerLine
    if (!guessHolds)
      await writeVersion(temp, headerLine, options, {
        skipHeader: inspection.header !== null,
        bad: verbatim ? null : bad,
      })
    await verifyFirstLine(temp, headerLine, inspection.dim)
    await rename(temp, out)
    return { out, count: inspection.count, dim: inspection.dim, headerLine, droppedLines: bad.size }
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/** Writes the header line (if any) and the body: verbatim, or line by line leaving out `bad` lines. */
async function writeVersion(
  temp: string,
  headerLine: string | null,
  options: FixHeaderOptions,
  body: { skipHeader: boolean; bad: Set<number> | null },
): Promise<void> {
  const opened = await openVectors(options.path, options.member)
  const sink = createWriteStream(temp, { highWaterMark: 8 << 20 })
  try {
    if (headerLine) await write(sink, Buffer.from(`${headerLine}\n`))
    if (body.bad === null) await copyBody(opened, sink, body.skipHeader, options)
    else await copyGoodLines(opened, sink, { skipHeader: body.skipHeader, bad: body.bad }, options)
    await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())))
  } catch (err) {
    opened.stream.destroy()
    sink.destroy()
    throw err
  }
}

/** Lines, the dimension of the first vector line and whether line 1 is a header, from a fast newline count. */
async function guessShape(path: string): Promise<{ count: number; dim: number; header: boolean }> {
  let newlines = 0
  let last = 0x0a
  let first: string | null = null
  let second: string | null = null
  let head = ''
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (second === null) {
      head += chunk.toString('latin1', 0, Math.min(chunk.length, 1 << 16))
      const lines = head.split('\n')
      if (lines.length > 2) [first, second] = [lines[0]!, lines[1]!]
    }
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) newlines++
    last = chunk[chunk.length - 1]!
  }
  const lines = newlines + (last === 0x0a ? 0 : 1)
  const header = first !== null && isHeader(first.trim().split(' '))
  const dataLine = (header ? second : first) ?? head
  return { count: lines - (header ? 1 : 0), dim: dataLine.trim().split(' ').length - 1, header }
}

const newline = Buffer.from('\n')

/** The usual case: every line is kept as it is, so the bytes are copied without looking at lines. */
async function copyBody(opened: OpenedVectors, sink: Writable, skipHeader: boolean, options: FixHeaderOptions) {
  let skipping = skipHeader
  const body = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      options.progress?.(opened.compressed.read(), opened.compressed.size, 'writing')
      if (!skipping) return callback(null, chunk)
      const nl = chunk.indexOf(0x0a)
      if (nl < 0) return callback()
      skipping = false
      callback(null, chunk.subarray(nl + 1))
    },
  })
  await pipeline(opened.stream, body, sink, { signal: options.signal, end: false })
}

/** Line by line, leaving out the old header, unusable lines, empty lines and a BOM. */
async function copyGoodLines(
  opened: OpenedVectors,
  sink: Writable,
  keep: { skipHeader: boolean; bad: Set<number> },
  options: FixHeaderOptions,
) {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let lastProgress = 0
  const flush = async () => {
    const data = Buffer.concat(pending)
    pending = []
    pendingBytes = 0
    await write(sink, data)
  }
  await forEachLine(
    opened.stream,
    (buf, start, end, lineNo) => {
      if ((lineNo === 1 && keep.skipHeader) || keep.bad.has(lineNo) || start === end) return
      if (lineNo === 1 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3
      pending.push(buf.subarray(start, end), newline)
      pendingBytes += end - start + 1
      if (lineNo - lastProgress >= 50_000) {
        lastProgress = lineNo
        options.progress?.(opened.compressed.read(), opened.compressed.size, 'writing')
      }
    },
    { signal: options.signal, afterChunk: () => (pendingBytes > 4 << 20 ? flush() : undefined) },
  )
  await flush()
}

function write(sink: Writable, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => sink.write(data, (err) => (err ? reject(err) : resolve())))
}

function defaultOut(path: string, member?: string): string {
  const name = (member ? basename(member) : basename(path)).replace(/\.(txt|gz|zip)$/i, '').replace(/\.txt$/i, '')
  return join(dirname(path), `${name}.w2v.txt`)
}

/** Re-reads the written file's first line: the header we meant, or (removing) a vector line. */
async function verifyFirstLine(file: string, headerLine: string | null, dim: number): Promise<void> {
  const fh = await open(file, 'r')
  try {
    const b = Buffer.alloc(64 * 1024)
    const { bytesRead } = await fh.read(b, 0, b.length, 0)
    const first = b.toString('utf8', 0, bytesRead).split('\n')[0] ?? ''
    const ok = headerLine ? first === headerLine : first.split(' ').length >= dim + 1
    if (!ok)
      throw new VectorFileError(
        `The written file's first line is "${first.slice(0, 60)}", not what was meant; nothing was changed.`,
      )
  } finally {
    await fh.close()
  }
}
