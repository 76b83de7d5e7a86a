/**
 * Writes the `COUNT DIM` header that word2vec-format readers (gensim's load_word2vec_format) need,
 * or removes one, so nobody has to open a 1 GB file in a text editor. Streamed and atomic: the
 * result is written to a temporary file beside the target, verified by re-reading its first line,
 * then renamed into place; the original is untouched until then.
 */
import { createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Writable } from 'node:stream'
import { forEachLine } from './lines'
import { openVectors, VectorFileError } from './open'
import { inspectVectors } from './scan'

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

export interface FixHeaderResult {
  out: string
  count: number
  dim: number
  headerLine: string | null
  droppedLines: number
}

export async function fixHeader(options: FixHeaderOptions): Promise<FixHeaderResult> {
  const bad = new Set<number>()
  const inspection = await inspectVectors(options.path, {
    member: options.member,
    signal: options.signal,
    progress: (d, t) => options.progress?.(d, t, 'checking'),
    onBadLine: (line) => bad.add(line),
  })
  if (!inspection.consistent && !options.dropBadLines) {
    const first = inspection.problems.find((p) => bad.has(p.line))
    throw new VectorFileError(
      `${options.path} has ${bad.size} unusable line${bad.size > 1 ? 's' : ''} (first: line ${first?.line}, ${first?.message}); ` +
        'fix the file, or choose to drop the bad lines.',
    )
  }
  const opened = await openVectors(options.path, options.member)
  const out = options.out ?? (opened.kind === 'text' ? options.path : defaultOut(options.path, options.member))
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`)
  const headerLine = options.remove ? null : `${inspection.count} ${inspection.dim}`
  const sink = createWriteStream(temp, { highWaterMark: 1 << 20 })
  try {
    if (headerLine) await write(sink, Buffer.from(`${headerLine}\n`))
    let pending: Buffer[] = []
    let pendingBytes = 0
    let lastProgress = 0
    await forEachLine(
      opened.stream,
      (buf, start, end, lineNo) => {
        if (lineNo === 1 && inspection.header) return // the old header goes
        if (bad.has(lineNo) || start === end) return // unusable or empty lines stay out
        if (lineNo === 1 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3
        // Lines are gathered into large writes; copying them is the whole cost of the fix-up.
        pending.push(buf.subarray(start, end), newline)
        pendingBytes += end - start + 1
        if (lineNo - lastProgress >= 50_000) {
          lastProgress = lineNo
          options.progress?.(opened.compressed.read(), opened.compressed.size, 'writing')
        }
      },
      {
        signal: options.signal,
        afterChunk: async () => {
          if (pendingBytes < 4 << 20) return
          const data = Buffer.concat(pending)
          pending = []
          pendingBytes = 0
          await write(sink, data)
        },
      },
    )
    await write(sink, Buffer.concat(pending))
    await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())))
    await verifyFirstLine(temp, headerLine, inspection.dim)
    await rename(temp, out)
  } catch (err) {
    sink.destroy()
    await rm(temp, { force: true })
    throw err
  }
  return { out, count: inspection.count, dim: inspection.dim, headerLine, droppedLines: bad.size }
}

const newline = Buffer.from('\n')

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
    if (!ok) throw new VectorFileError(`The written file's first line is "${first.slice(0, 60)}", not what was meant; nothing was changed.`)
  } finally {
    await fh.close()
  }
}
