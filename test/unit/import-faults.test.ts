/**
 * Imports that would have changed the data silently: merged rows from an unclosed quote, binary
 * garbage, a label column of singletons, undecodable text and oversized reviews are reported by
 * line or file, or refused with the reason.
 */
import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { maxReviewBytes } from '../../src/main/core/datasets/sources/review-files'
import { writeTree } from '../fixtures/dataset-files'
import { collectSource } from '../fixtures/source-examples'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

function file(name: string, content: string | Buffer): string {
  const path = join(tempDir(), name)
  writeFileSync(path, content)
  return path
}

describe('imports that would change data silently', () => {
  it('reports the rows an unclosed quote merges, by line, and skips them', async () => {
    const rows = [
      'text,label',
      'a good film,pos',
      '"this film was great,pos',
      'awful acting,neg',
      'fine, really fine",pos',
    ]
    const more = Array.from({ length: 10 }, (_, i) => `review ${i},${i % 2 ? 'pos' : 'neg'}`)
    const path = file('reviews.csv', [...rows, ...more].join('\n'))
    const { examples, problems } = await collectSource({ path, format: 'delimited', header: true })
    expect(examples.map((e) => e.text)).not.toContainEqual(expect.stringContaining('awful acting'))
    expect(examples).toHaveLength(11)
    expect(problems).toEqual([
      {
        where: `${path}:3`,
        message: expect.stringMatching(/^lines 3-5: a quote opened on line 3 closes only on line 5/),
      },
    ])
  })

  it('keeps a quoted review that spans lines without swallowing rows', async () => {
    const rows = [
      'text,label',
      '"first paragraph, with a comma\nsecond paragraph",pos',
      'plain,neg',
      'other,pos',
      'more,neg',
    ]
    const { examples, problems } = await collectSource({
      path: file('r.csv', rows.join('\n')),
      format: 'delimited',
      header: true,
    })
    expect(problems).toEqual([])
    expect(examples[0]!.text).toBe('first paragraph, with a comma\nsecond paragraph')
  })

  it('refuses binary garbage read as delimited text', async () => {
    let x = 7
    const bytes = Buffer.from(Array.from({ length: 20_000 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 255))
    await expect(collectSource({ path: file('garbage.csv', bytes), format: 'delimited' })).rejects.toThrow(
      /looks binary|not valid/,
    )
  })

  it('refuses a label column of singletons unless asked', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `some review text number ${i},label-${i}`)
    const path = file('ids.csv', ['text,label', ...rows].join('\n'))
    await expect(collectSource({ path, format: 'delimited', header: true })).rejects.toThrow(
      /has 100 classes, 100 of them with one example: it does not look like labels/,
    )
    const kept = await collectSource({ path, format: 'delimited', header: true, allowManyClasses: true })
    expect(kept.examples).toHaveLength(100)
  })

  it('names the encoding error of a file that is not the UTF-8 it was said to be', async () => {
    const allBad = Buffer.from('caf\xe9 cr\xe8me,pos\nna\xefve,neg\n', 'latin1')
    await expect(
      collectSource({ path: file('l.csv', allBad), format: 'delimited', encoding: 'utf-8' }),
    ).rejects.toThrow(/line 1 is not valid utf-8 at byte 3/)
    const someBad = Buffer.from('text,label\ngood,pos\ncaf\xe9,neg\nfine,neg\n', 'latin1')
    const { problems } = await collectSource({ path: file('m.csv', someBad), format: 'delimited', encoding: 'utf-8' })
    expect(problems).toEqual([
      { where: expect.stringMatching(/m\.csv:3$/), message: expect.stringMatching(/not valid utf-8/) },
    ])
  })

  it('skips a file larger than one review may be in a folder import, naming it', async () => {
    const root = writeTree(tempDir(), {
      'pos/1.txt': 'a good film',
      'pos/huge.txt': Buffer.alloc(maxReviewBytes + 1, 'a '),
      'neg/1.txt': 'a bad film',
    })
    const { examples, problems } = await collectSource({ path: root, format: 'folder' })
    expect(examples).toHaveLength(2)
    expect(problems).toEqual([
      { where: expect.stringContaining('huge.txt'), message: expect.stringMatching(/limit of 1 MiB; skipped/) },
    ])
  })
})
