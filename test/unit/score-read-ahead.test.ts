/**
 * A score job's reading thread (`read-thread.ts`, a real worker thread through `read-ahead.ts`):
 * a folder with good and bad files comes back as batches in input order, the first ones small,
 * each text encoded with the bundle's preprocessing and vocabulary exactly as `TextIds` does in
 * place, with its snippet and its results line's encoded tail, and every bad file skipped with its
 * reason, in order, without stopping the reading. A run of skipped files closes batches of its own;
 * a cancel ends the batches at once and closing ends the thread; a missing folder is the thread's
 * error, with its message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PreprocessSpec } from '../../src/shared/datasets'
import { TextIds } from '../../src/main/core/engine/text-ids'
import type { InputBatch } from '../../src/main/core/scoring/input-batches'
import { ReadAhead } from '../../src/main/core/scoring/read-ahead'
import { snippetOf } from '../../src/main/core/scoring/snippet'
import { writeTree } from '../fixtures/dataset-files'

const spec: PreprocessSpec = { stripHtml: true, lowercase: true, clean: 'none', tokenizer: 'word' }
const vocab = ['<pad>', '<unk>', 'a', 'great', 'film', 'awful', 'plot', 'the', '.', ',', 'review']

let dir: string
let bundleDir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'score-read-ahead-'))
  bundleDir = join(dir, 'bundle')
  writeTree(bundleDir, {
    'preprocessing.json': JSON.stringify({ preprocess: spec, unkId: 1 }),
    'vocab.txt': `${vocab.join('\n')}\n`,
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const texts = (n: number, label: string) =>
  Array.from(
    { length: n },
    (_, i) => `A ${label === 'pos' ? 'great' : 'awful'} film.<br /><br />Review ${i}, “the” plot é`,
  )

async function all(reading: ReadAhead, signal?: AbortSignal): Promise<InputBatch[]> {
  const out: InputBatch[] = []
  try {
    for await (const b of reading.batches(signal)) out.push(b)
  } finally {
    await reading.close()
  }
  return out
}

describe('the reading thread', () => {
  it('reads, encodes and skips a folder in order, in batches growing from 16', async () => {
    const files: Record<string, string | Uint8Array> = {}
    const pos = texts(30, 'pos')
    const neg = texts(30, 'neg')
    pos.forEach((t, i) => (files[`pos/${i}.txt`] = t))
    neg.forEach((t, i) => (files[`neg/${i}.txt`] = t))
    files['neg/15.txt'] = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0, 0])
    files['pos/3.txt'] = ''
    files['pos/4.txt'] = new Uint8Array([0x67, 0x6f, 0x6f, 0x64, 0xff, 0xfe, 0xc3, 0x28, 0x00, 0x41])
    files['top.txt'] = 'a film at the top'
    const root = writeTree(join(dir, 'folder'), files)
    const input = { format: 'folder' as const, path: root, extensions: ['.txt'], encoding: 'auto' as const }
    const batches = await all(new ReadAhead({ bundleDir, input, batchSize: 256, ahead: 2 }))

    expect(batches.map((b) => b.sources.length)).toEqual([16, 32, 10])
    const sources = batches.flatMap((b) => b.sources)
    const expected = [
      'top.txt',
      ...neg.map((_, i) => `neg/${i}.txt`).filter((s) => s !== 'neg/15.txt'),
      ...pos.map((_, i) => `pos/${i}.txt`).filter((s) => s !== 'pos/3.txt' && s !== 'pos/4.txt'),
    ]
    expect(sources).toEqual(expected)
    expect(batches.flatMap((b) => b.labels)).toEqual(expected.map((s) => (s.includes('/') ? s.split('/')[0] : null)))
    const skipped = batches.flatMap((b) => b.skipped)
    expect(skipped.map((s) => s.path)).toEqual(['neg/15.txt', 'pos/3.txt', 'pos/4.txt'])
    expect(skipped[0]!.reason).toMatch(/binary/)
    expect(skipped[1]!.reason).toMatch(/empty/)
    expect(skipped[2]!.reason).toMatch(/not valid|binary/)
    expect(batches.at(-1)!.progress).toEqual([61, 61, 'items'])

    // Each text as the scoring thread would have encoded it, with its snippet and the text itself.
    const byName = (s: string) =>
      s === 'top.txt' ? 'a film at the top' : (s.startsWith('pos') ? pos : neg)[Number(/(\d+)/.exec(s)![1])]!
    const encoder = new TextIds(spec, new Map(vocab.map((t, i) => [t, i])))
    for (const b of batches) {
      const own = b.sources.map(byName)
      const mine = encoder.encode(own)
      expect(Array.from(b.ids)).toEqual(Array.from(mine.ids))
      expect(Array.from(b.offsets)).toEqual(Array.from(mine.offsets))
      expect(b.snippets).toEqual(own.map(snippetOf))
      expect(b.texts).toEqual(own)
    }
  })

  it('closes batches of skipped files alone, so a folder of bad files still shows progress', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 10; i++) files[`bad/${i}.txt`] = ''
    const root = writeTree(join(dir, 'bad'), files)
    const input = { format: 'folder' as const, path: root, extensions: ['.txt'], encoding: 'auto' as const }
    const batches = await all(new ReadAhead({ bundleDir, input, batchSize: 4, ahead: 2 }))
    expect(batches.map((b) => [b.sources.length, b.skipped.length])).toEqual([
      [0, 4],
      [0, 4],
      [0, 2],
    ])
  })

  it('ends the batches when cancelled, and the thread when closed', async () => {
    const path = join(dir, 'many.txt')
    writeFileSync(path, Array.from({ length: 50_000 }, (_, i) => `a great film ${i}`).join('\n'))
    const input = { format: 'fasttext' as const, path, labelPrefix: '__label__', encoding: 'auto' as const }
    const reading = new ReadAhead({ bundleDir, input, batchSize: 256, ahead: 2 })
    const cancel = new AbortController()
    const seen: number[] = []
    const started = Date.now()
    try {
      for await (const b of reading.batches(cancel.signal)) {
        seen.push(b.sources.length)
        if (seen.length === 2) cancel.abort()
      }
    } finally {
      await reading.close()
    }
    expect(seen).toEqual([16, 32])
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('throws the thread’s error: a missing folder', async () => {
    const input = {
      format: 'folder' as const,
      path: join(dir, 'nowhere'),
      extensions: ['.txt'],
      encoding: 'auto' as const,
    }
    await expect(all(new ReadAhead({ bundleDir, input, batchSize: 256, ahead: 2 }))).rejects.toThrow(
      /nowhere does not exist; check the path/,
    )
  })
})
