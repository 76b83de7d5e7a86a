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
/** Bytes looked at for UTF-16's zero bytes. */
const sampleLimit = 1 << 16

/** The encoding a byte-order mark at the start says, if there is one. */
export function bomEncoding(b: Uint8Array): ConcreteEncoding | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8'
  if (b[0] === 0xff && b[1] === 0xfe) return 'utf-16le'
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be'
  return null
}

/** The encoding of text from a sample of its first bytes (all of them are checked for UTF-8). */
export function detectEncoding(sample: Uint8Array): Detected {
  const bom = bomEncoding(sample)
  if (bom) return { encoding: bom, confidence: 1, bom: true, reason: `${bom.toUpperCase()} byte-order mark` }
  const n = Math.min(sample.length, sampleLimit)
  // Under 32 bytes there is too little to judge UTF-16 without a mark by its zero bytes.
  const zero = sample.indexOf(0)
  if (n >= 32 && zero >= 0 && zero < n) {
    let evenZeros = 0
    let oddZeros = 0
    for (let i = zero; i < n; i++) {
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
  const bad = firstInvalidUtf8(sample, true)
  if (bad < 0)
    return sample.some((b) => b >= 0x80)
      ? { encoding: 'utf-8', confidence: 0.99, bom: false, reason: 'valid UTF-8' }
      : { encoding: 'utf-8', confidence: 0.8, bom: false, reason: 'plain ASCII (read as UTF-8)' }
  const why = `byte 0x${hex(sample[bad]!)} at offset ${bad} is not valid UTF-8`
  const undefinedByte = sample.findIndex((b) => undefinedIn1252.has(b))
  if (undefinedByte >= 0)
    return {
      encoding: 'latin1',
      confidence: 0.5,
      bom: false,
      reason: `${why}, and byte 0x${hex(sample[undefinedByte]!)} at offset ${undefinedByte} is not Windows-1252`,
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

export type Utf16 = 'utf-16le' | 'utf-16be'

/** Whether a byte 0x0A is always a line feed, so lines can be cut before decoding. */
export const asciiCompatible = (e: ConcreteEncoding): e is Exclude<ConcreteEncoding, Utf16> => !e.startsWith('utf-16')

export interface Decoder {
  /** Decodes the next bytes of a stream; throws a DecodeError on bytes the encoding cannot have. */
  write(bytes: Uint8Array): string
  end(): string
}

/**
 * A streaming UTF-16 decoder that keeps a leading BOM (the caller strips it once). ASCII-compatible
 * text is cut at line ends instead and goes through `decode`, which knows the offset of a bad byte.
 */
export function createUtf16Decoder(encoding: Utf16): Decoder {
  const d = new TextDecoder(encoding, { fatal: true, ignoreBOM: true })
  const guard = (f: () => string) => {
    try {
      return f()
    } catch {
      throw new DecodeError(encoding, null)
    }
  }
  return { write: (b) => guard(() => d.decode(b, { stream: true })), end: () => guard(() => d.decode()) }
}

/**
 * Single-byte text through iconv-lite, because Node 20's TextDecoder decodes windows-1252 as latin1
 * (0x92 becomes a control character instead of ’): one character per byte, and U+FFFD only for the
 * bytes Windows-1252 leaves undefined.
 */
function decodeSingleByte(b: Uint8Array, encoding: 'windows-1252' | 'latin1', offset: number): string {
  const text = iconv.decode(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    encoding === 'latin1' ? 'latin1' : 'windows1252',
  )
  const bad = text.indexOf('\uFFFD')
  if (bad >= 0) throw new DecodeError(encoding, offset + bad)
  return text
}

/** Fatal decoders, kept: making one per review costs more than decoding it. */
const decoders = new Map<string, TextDecoder>()

/**
 * Decodes whole bytes (a review, or a run of complete lines), without a BOM; bytes that do not fit
 * throw a DecodeError whose offset is relative to `offset`.
 */
export function decode(bytes: Uint8Array, encoding: ConcreteEncoding, offset = 0): string {
  if (encoding === 'windows-1252' || encoding === 'latin1') return decodeSingleByte(bytes, encoding, offset)
  // A BOM is only a BOM at the start of the file.
  const key = `${encoding}${offset > 0}`
  const d = decoders.get(key) ?? new TextDecoder(encoding, { fatal: true, ignoreBOM: offset > 0 })
  try {
    const text = d.decode(bytes)
    decoders.set(key, d)
    return text
  } catch {
    // A decoder that failed is not reused.
    decoders.delete(key)
    const at = encoding === 'utf-8' ? firstInvalidUtf8(bytes) : -1
    throw new DecodeError(encoding, at < 0 ? null : offset + at)
  }
}

// Control characters other than tab, line feed, vertical tab, form feed and carriage return.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const controlChars = /[\x01-\x08\x0e-\x1f\x7f]/g

/**
 * Whether decoded text looks like a binary file's: a NUL, control characters in more than 2% of
 * it, or (single-byte encodings) mostly non-ASCII.
 */
export function looksBinary(text: string, encoding: ConcreteEncoding): boolean {
  const sample = text.length > 8192 ? text.slice(0, 8192) : text
  if (sample.includes('\0')) return true
  if ((sample.match(controlChars)?.length ?? 0) > sample.length * 0.02) return true
  return !encoding.startsWith('utf') && (sample.match(/[^\0-\x7f]/g)?.length ?? 0) > sample.length * 0.3
}
