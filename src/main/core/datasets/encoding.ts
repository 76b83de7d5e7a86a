/**
 * Text encodings: detect UTF-8 (with or without BOM), UTF-16 and Windows-1252, decode strictly so
 * text is never silently corrupted, and say what was detected and why.
 */
import { TextDecoder } from 'node:util'
import iconv from 'iconv-lite'
import type { Encoding } from '../../../shared/datasets'

export type ConcreteEncoding = Exclude<Encoding, 'auto'>

export interface Detected {
  encoding: ConcreteEncoding
  bom: boolean
  reason: string
}

export function detectEncoding(sample: Uint8Array): Detected {
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf)
    return { encoding: 'utf-8', bom: true, reason: 'UTF-8 byte-order mark' }
  if (sample[0] === 0xff && sample[1] === 0xfe)
    return { encoding: 'utf-16le', bom: true, reason: 'UTF-16LE byte-order mark' }
  if (sample[0] === 0xfe && sample[1] === 0xff)
    return { encoding: 'utf-16be', bom: true, reason: 'UTF-16BE byte-order mark' }
  // Too little to judge UTF-16 without a mark by its zero bytes.
  const tooShort = sample.length < 32
  let evenZeros = 0
  let oddZeros = 0
  for (let i = 0; i < Math.min(sample.length, 4096); i++) {
    if (sample[i] !== 0) continue
    if (i % 2) oddZeros++
    else evenZeros++
  }
  const half = Math.min(sample.length, 4096) / 2
  if (!tooShort && oddZeros > half * 0.3 && evenZeros < half * 0.05)
    return { encoding: 'utf-16le', bom: false, reason: 'every other byte is zero (UTF-16LE without a mark)' }
  if (!tooShort && evenZeros > half * 0.3 && oddZeros < half * 0.05)
    return { encoding: 'utf-16be', bom: false, reason: 'every other byte is zero (UTF-16BE without a mark)' }
  const bad = firstInvalidUtf8(sample)
  if (bad < 0) return { encoding: 'utf-8', bom: false, reason: 'valid UTF-8' }
  return {
    encoding: 'windows-1252',
    bom: false,
    reason: `byte 0x${sample[bad]!.toString(16).padStart(2, '0')} at offset ${bad} is not valid UTF-8`,
  }
}

/** Offset of the first byte that breaks UTF-8, or -1; a sequence cut off at the sample's end is fine. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0
  while (i < b.length) {
    const c = b[i]!
    const need =
      c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return -1
      if ((b[i + k]! & 0xc0) !== 0x80) return i
    }
    i += need + 1
  }
  return -1
}

export class DecodeError extends Error {
  override name = 'DecodeError'
}

export interface Decoder {
  /** Decodes the next bytes; throws on bytes the encoding cannot have. */
  write(bytes: Uint8Array): string
  end(): string
}

/**
 * A streaming decoder. UTF-8 and UTF-16 are strict (never U+FFFD); the single-byte encodings go
 * through iconv-lite, because Node 20's TextDecoder decodes windows-1252 as latin1 (0x92 becomes a
 * control character instead of ’).
 */
export function createDecoder(encoding: ConcreteEncoding): Decoder {
  if (encoding === 'windows-1252' || encoding === 'latin1') {
    const d = iconv.getDecoder(encoding === 'latin1' ? 'latin1' : 'windows1252')
    return { write: (b) => d.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength)), end: () => d.end() ?? '' }
  }
  const d = new TextDecoder(encoding, { fatal: true })
  return { write: (b) => d.decode(b, { stream: true }), end: () => d.decode() }
}

/** Decodes a whole small file (one review); a forced encoding that does not fit is an error, not U+FFFD. */
export function decodeBytes(bytes: Uint8Array, encoding: ConcreteEncoding): string {
  try {
    const d = createDecoder(encoding)
    return (d.write(bytes) + d.end()).replace(/^\uFEFF/, '')
  } catch {
    const at = encoding === 'utf-8' ? firstInvalidUtf8(bytes) : -1
    throw new DecodeError(`is not valid ${encoding}${at >= 0 ? ` at byte ${at}` : ''}; choose another encoding`)
  }
}

/** Whether bytes look like a binary file rather than text: NUL bytes (outside UTF-16) or many control bytes. */
export function looksBinary(bytes: Uint8Array, encoding: ConcreteEncoding): boolean {
  if (encoding.startsWith('utf-16')) return false
  const n = Math.min(bytes.length, 8192)
  let control = 0
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!
    if (c === 0) return true
    if (c < 0x09 || (c > 0x0d && c < 0x20)) control++
  }
  return control > n * 0.1
}
