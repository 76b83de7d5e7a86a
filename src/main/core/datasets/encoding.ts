/**
 * Text encodings: detect UTF-8 (with or without BOM), UTF-16 and Windows-1252, decode strictly so
 * text is never silently corrupted (no U+FFFD), and say what was detected and why.
 */
import { TextDecoder } from 'node:util'
import iconv from 'iconv-lite'
import type { Encoding } from '../../../shared/datasets'

export type ConcreteEncoding = Exclude<Encoding, 'auto'>

export interface Detected {
  encoding: ConcreteEncoding
  /** 0..1: 1 for a byte-order mark, lower when the bytes fit several encodings. */
  confidence: number
  bom: boolean
  reason: string
}

/** Bytes Windows-1252 leaves undefined: a file with them is not Windows-1252. */
const undefinedIn1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d])
const sampleLimit = 1 << 16

export function detectEncoding(sample: Uint8Array): Detected {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf)
    return { encoding: 'utf-8', confidence: 1, bom: true, reason: 'UTF-8 byte-order mark' }
  if (sample[0] === 0xff && sample[1] === 0xfe)
    return { encoding: 'utf-16le', confidence: 1, bom: true, reason: 'UTF-16LE byte-order mark' }
  if (sample[0] === 0xfe && sample[1] === 0xff)
    return { encoding: 'utf-16be', confidence: 1, bom: true, reason: 'UTF-16BE byte-order mark' }
  const n = Math.min(sample.length, sampleLimit)
  // Under 32 bytes there is too little to judge UTF-16 without a mark by its zero bytes.
  if (n >= 32) {
    let evenZeros = 0
    let oddZeros = 0
    for (let i = 0; i < n; i++) {
      if (sample[i] !== 0) continue
      if (i % 2) oddZeros++
      else evenZeros++
    }
    const half = n / 2
    if (oddZeros > half * 0.3 && evenZeros < half * 0.05)
      return { encoding: 'utf-16le', confidence: 0.9, bom: false, reason: 'every other byte is zero (UTF-16LE)' }
    if (evenZeros > half * 0.3 && oddZeros < half * 0.05)
      return { encoding: 'utf-16be', confidence: 0.9, bom: false, reason: 'every other byte is zero (UTF-16BE)' }
  }
  const head = sample.subarray(0, n)
  const bad = firstInvalidUtf8(head, true)
  if (bad < 0) {
    const ascii = head.every((b) => b < 0x80)
    return ascii
      ? { encoding: 'utf-8', confidence: 0.8, bom: false, reason: 'plain ASCII (read as UTF-8)' }
      : { encoding: 'utf-8', confidence: 0.99, bom: false, reason: 'valid UTF-8' }
  }
  const why = `byte 0x${hex(head[bad]!)} at offset ${bad} is not valid UTF-8`
  const undefinedByte = head.findIndex((b) => undefinedIn1252.has(b))
  if (undefinedByte >= 0)
    return {
      encoding: 'latin1',
      confidence: 0.5,
      bom: false,
      reason: `${why}, and byte 0x${hex(head[undefinedByte]!)} at offset ${undefinedByte} is not Windows-1252`,
    }
  return { encoding: 'windows-1252', confidence: 0.7, bom: false, reason: why }
}

const hex = (b: number) => b.toString(16).padStart(2, '0')

/**
 * Offset of the first byte that breaks UTF-8, or -1. A sequence cut off at the end counts as valid
 * when `cutOk` (a sample or a chunk of a stream), as the offset of its first byte otherwise.
 */
export function firstInvalidUtf8(b: Uint8Array, cutOk = false): number {
  let i = 0
  while (i < b.length) {
    const c = b[i]!
    if (c < 0x80) {
      i++
      continue
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return cutOk ? -1 : i
      const next = b[i + k]!
      // The second byte's range rules out overlong forms and surrogates (E0, ED, F0, F4).
      const lo = k > 1 ? 0x80 : c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80
      const hi = k > 1 ? 0xbf : c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf
      if (next < lo || next > hi) return i
    }
    i += need + 1
  }
  return -1
}

/** Bytes that the encoding cannot have; `offset` is the first bad byte's, when known. */
export class DecodeError extends Error {
  override name = 'DecodeError'
  constructor(
    readonly encoding: ConcreteEncoding,
    readonly offset: number | null,
  ) {
    super(`not valid ${encoding}${offset === null ? '' : ` at byte ${offset}`}; choose another encoding`)
  }
}

/** Whether a byte 0x0A is always a line feed (so lines can be cut before decoding). */
export const asciiCompatible = (e: ConcreteEncoding): boolean => !e.startsWith('utf-16')

export interface Decoder {
  /** Decodes the next bytes of a stream; throws a DecodeError on bytes the encoding cannot have. */
  write(bytes: Uint8Array): string
  end(): string
}

/**
 * A streaming decoder that keeps a leading BOM (callers strip it once). UTF-8 and UTF-16 use the
 * fatal TextDecoder; the single-byte encodings go through iconv-lite, because Node 20's TextDecoder
 * decodes windows-1252 as latin1 (0x92 becomes a control character instead of ’). Line readers cut
 * ASCII-compatible text at line ends and use `decode`, which knows the offset of a bad byte.
 */
export function createDecoder(encoding: ConcreteEncoding): Decoder {
  if (encoding === 'windows-1252' || encoding === 'latin1') {
    let offset = 0
    return {
      write: (b) => {
        const text = decodeSingleByte(b, encoding, offset)
        offset += b.length
        return text
      },
      end: () => '',
    }
  }
  const d = new TextDecoder(encoding, { fatal: true, ignoreBOM: true })
  const fail = () => new DecodeError(encoding, null)
  return {
    write: (b) => {
      try {
        return d.decode(b, { stream: true })
      } catch {
        throw fail()
      }
    },
    end: () => {
      try {
        return d.decode()
      } catch {
        throw fail()
      }
    },
  }
}

/** Single-byte text: one character per byte, and U+FFFD only for the bytes Windows-1252 leaves undefined. */
function decodeSingleByte(b: Uint8Array, encoding: 'windows-1252' | 'latin1', offset: number): string {
  const text = iconv.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength), encoding === 'latin1' ? 'latin1' : 'windows1252')
  const bad = text.indexOf('\uFFFD')
  if (bad >= 0) throw new DecodeError(encoding, offset + bad)
  return text
}

/**
 * Decodes whole bytes (a review, or a run of complete lines), without a BOM; bytes that do not fit
 * throw a DecodeError whose offset is relative to `offset`.
 */
export function decode(bytes: Uint8Array, encoding: ConcreteEncoding, offset = 0): string {
  if (encoding === 'windows-1252' || encoding === 'latin1') return decodeSingleByte(bytes, encoding, offset)
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes)
  } catch {
    throw new DecodeError(encoding, encoding === 'utf-8' ? offset + firstInvalidUtf8(bytes) : null)
  }
}

/**
 * Whether bytes look like a binary file rather than text: a NUL byte (outside UTF-16), control
 * bytes other than tab, line ends and form feed, or mostly high bytes that are not UTF-8.
 */
export function looksBinary(bytes: Uint8Array, encoding: ConcreteEncoding): boolean {
  if (encoding.startsWith('utf-16')) return false
  const n = Math.min(bytes.length, 8192)
  let control = 0
  let high = 0
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!
    if (c === 0) return true
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) control++
    else if (c >= 0x80) high++
  }
  if (control > n * 0.02) return true
  return encoding !== 'utf-8' && high > n * 0.3
}
