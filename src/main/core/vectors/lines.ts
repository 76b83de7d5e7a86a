/**
 * Line-by-line over a byte stream without making a string per line: vector files are up to several
 * GB, and most lines are only counted or copied. The callback gets the chunk and the line's byte
 * range (without the newline and a trailing \r).
 */
import type { Readable } from 'node:stream'

export type LineHandler = (buf: Buffer, start: number, end: number, lineNo: number, crlf: boolean) => void

export interface LineOptions {
  signal?: AbortSignal
  /** Awaited after each chunk: where a writer applies back-pressure. */
  afterChunk?: () => Promise<void> | void
}

export async function forEachLine(stream: Readable, onLine: LineHandler, options: LineOptions = {}): Promise<number> {
  const { signal, afterChunk } = options
  let carry: Buffer | null = null
  let lineNo = 0
  const emit = (buf: Buffer, start: number, end: number) => {
    const crlf = end > start && buf[end - 1] === 0x0d
    onLine(buf, start, crlf ? end - 1 : end, ++lineNo, crlf)
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal?.aborted) {
      stream.destroy()
      throw signal.reason ?? new Error('Aborted')
    }
    const buf = chunk
    let from = 0
    if (carry) {
      const nl = chunk.indexOf(0x0a)
      if (nl < 0) {
        carry = Buffer.concat([carry, chunk])
        continue
      }
      emit(Buffer.concat([carry, chunk.subarray(0, nl)]), 0, carry.length + nl)
      carry = null
      from = nl + 1
    }
    for (let nl = buf.indexOf(0x0a, from); nl >= 0; nl = buf.indexOf(0x0a, from)) {
      emit(buf, from, nl)
      from = nl + 1
    }
    if (from < buf.length) carry = Buffer.from(buf.subarray(from))
    if (afterChunk) await afterChunk()
  }
  if (carry && carry.length > 0) emit(carry, 0, carry.length)
  return lineNo
}
