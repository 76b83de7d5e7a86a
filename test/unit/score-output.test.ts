/**
 * What a score job writes. `LineWriter` encodes each line straight into the batch's buffer: the file
 * must hold exactly the lines, and each line's byte range must find it, for ASCII, accented,
 * astral and long multi-byte lines (which make the buffer grow).
 *
 * The results table's snippet is computed from a long text's first 512 characters only; it must
 * equal the snippet of the whole text (whitespace runs flattened, cut at a word before 160
 * characters), whatever whitespace falls around that cut.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LineWriter } from '../../src/main/core/scoring/job'
import { snippetOf } from '../../src/main/core/scoring/snippet'
import { seededRandom } from '../../src/main/core/datasets/splits'

/** The definition: flatten the whole text, then cut. */
function wholeSnippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 160 ? `${flat.slice(0, 160).replace(/\s\S*$/, '')}…` : flat
}

describe('snippetOf', () => {
  it('equals the snippet of the whole text, for long texts, whitespace runs across the cut and short texts', () => {
    const random = seededRandom(3)
    const pieces = ['word', 'a', 'longerword', ' ', '  ', '\n\n', '\t', '<br />', 'é', '\u00a0', '\u2003 ']
    const texts = ['', '   ', 'short text', ' '.repeat(600) + 'late start ' + 'x '.repeat(300)]
    // Mostly whitespace at the start, so the first 512 characters flatten to too little.
    texts.push('\n'.repeat(500) + 'word '.repeat(100))
    for (let i = 0; i < 400; i++) {
      let t = ''
      const length = 100 + Math.floor(random() * 1500)
      while (t.length < length) t += pieces[Math.floor(random() * pieces.length)]
      texts.push(t)
    }
    for (const t of texts) expect(snippetOf(t)).toBe(wholeSnippet(t))
  })
})

describe('LineWriter', () => {
  it('writes the lines exactly and gives each line its byte range', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-writer-'))
    try {
      const path = join(dir, 'results.jsonl')
      const writer = new LineWriter(path)
      const batches = [
        ['{"text":"plain"}', '{"text":"café"}', '{"text":"😀 astral"}'],
        [],
        ['{"text":"' + '映画'.repeat(3000) + '"}', 'x'.repeat(5000), '{"text":"' + 'é'.repeat(2500) + '"}'],
        ['last'],
      ]
      const ranges: { offset: number; length: number }[] = []
      for (const lines of batches) {
        const { offsets, lengths } = await writer.write(lines)
        offsets.forEach((offset, i) => ranges.push({ offset, length: lengths[i]! }))
      }
      await writer.close()
      const all = batches.flat()
      const bytes = readFileSync(path)
      expect(bytes.toString('utf8')).toBe(all.map((l) => `${l}\n`).join(''))
      expect(ranges.map((r) => bytes.subarray(r.offset, r.offset + r.length).toString('utf8'))).toEqual(all)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
