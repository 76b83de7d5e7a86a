/**
 * `decodeReview` reads ASCII and checked UTF-8 with the native slices: the text must be exactly the
 * strict decoder's (a UTF-8 byte-order mark dropped), and bytes that are not UTF-8 still get the
 * strict decoder's reason, with the offset of the bad byte.
 */
import { describe, expect, it } from 'vitest'
import { decodeReview } from '../../src/main/core/datasets/sources/review-files'

const strict = (b: Buffer) => new TextDecoder('utf-8', { fatal: true }).decode(b)

describe('decodeReview', () => {
  it('gives the strict decoder’s text for ASCII, accented, astral and BOM-prefixed UTF-8', () => {
    const samples = [
      'A plain review.<br /><br />Ten out of ten.',
      'Café crème, naïve, señor — “quoted” ’',
      'Astral 😀 and CJK 映画 mixed',
    ].map((t) => Buffer.from(t))
    samples.push(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('BOM then ASCII')]))
    samples.push(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('BOM then é')]))
    for (const bytes of samples) {
      for (const encoding of ['auto', 'utf-8'] as const) {
        const r = decodeReview(bytes, encoding)
        expect(r).toEqual({ text: strict(bytes), encoding: 'utf-8' })
      }
    }
  })

  it('still names the bad byte of text that is not UTF-8, and reads Windows-1252 when detecting', () => {
    const bytes = Buffer.from([0x67, 0x6f, 0x6f, 0x64, 0x20, 0x92, 0x73, 0x20, 0x66, 0x69, 0x6c, 0x6d])
    expect(decodeReview(bytes, 'utf-8')).toEqual({ skip: 'not valid utf-8 at byte 5; choose another encoding' })
    expect(decodeReview(bytes, 'auto')).toEqual({ text: 'good ’s film', encoding: 'windows-1252' })
  })
})
