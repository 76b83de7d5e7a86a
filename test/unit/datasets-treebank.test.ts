import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readVocabulary, readSplit } from '../../src/main/core/datasets/store'
import { detectFormat, previewSource } from '../../src/main/core/datasets/sources'
import { parseTree, TreeError } from '../../src/main/core/datasets/sources/treebank'
import { sourceSpecSchema, type DatasetSummary } from '../../src/shared/datasets'
import { resultOf } from '../../src/shared/job-catalog'
import { appContext } from '../fixtures/app'
import { collectSource } from '../fixtures/source-examples'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

/** A tree per sentence: `(root (a w1) (b (c w2) (d w3)))`, labels from the words' class. */
function tree(label: number, words: string[]): string {
  // Right-branching: (label (l w1) (l (l w2) ...)), inner nodes labelled like the root.
  const leaf = (w: string) => `(${label} ${w})`
  let t = leaf(words.at(-1)!)
  for (let i = words.length - 2; i >= 0; i--) t = `(${label} ${leaf(words[i]!)} ${t})`
  return t
}

/** Two classes told apart by their words, `n` sentences each, one tree per line. */
function makeTreebank(path: string, n: number, offset = 0): string {
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    lines.push(tree(0, ['awful', 'dull', `film${offset + i}`]))
    lines.push(tree(4, ['great', 'fun', `movie${offset + i}`]))
  }
  writeFileSync(path, lines.join('\n') + '\n')
  return path
}

describe('parsing a labelled tree', () => {
  it('gives every node with its words, root last, and undoes the PTB escapes', () => {
    const phrases = parseTree('(3 (2 -LRB-) (4 (3 good) (2 and\\/or)) (2 \\*) (2 -RRB-))')
    expect(phrases).toEqual([
      { label: '2', text: '(' },
      { label: '3', text: 'good' },
      { label: '2', text: 'and/or' },
      { label: '4', text: 'good and/or' },
      { label: '2', text: '*' },
      { label: '2', text: ')' },
      { label: '3', text: '( good and/or * )' },
    ])
  })

  it('says what is wrong with a tree that is not one', () => {
    const message = (line: string) => {
      try {
        parseTree(line)
      } catch (err) {
        expect(err).toBeInstanceOf(TreeError)
        return (err as Error).message
      }
      return 'parsed'
    }
    expect(message('(3 (2 a) (2 b)')).toMatch(/1 node is not closed/)
    expect(message('(3 (2 a)) (2 b))')).toMatch(/text after the tree ends/)
    expect(message('(3 (2 a) (2 b)))')).toMatch(/text after the tree ends/)
    expect(message('( (2 a))')).toMatch(/a node without a label/)
    expect(message('(3 (2))')).toMatch(/the node \(2\) has no word/)
    expect(message('word (3 a)')).toMatch(/"word" is outside any node/)
  })

  it('parses a deep tree without recursion', () => {
    const words = Array.from({ length: 3_000 }, (_, i) => `w${i}`)
    const phrases = parseTree(tree(1, words))
    expect(phrases).toHaveLength(2 * words.length - 1)
    expect(phrases.at(-1)!.text.split(' ')).toHaveLength(words.length)
  })
})

describe('reading a treebank', () => {
  it('is detected, and gives each sentence then its distinct phrases, with none from the test file', async () => {
    const dir = tempDir()
    const train = makeTreebank(join(dir, 'train.txt'), 2)
    const test = makeTreebank(join(dir, 'test.txt'), 1, 100)
    expect(await detectFormat(sourceSpecSchema.parse({ path: train }))).toEqual({
      format: 'treebank',
      reason: 'lines are labelled trees, as in (3 (2 a) (4 word))',
    })
    const { examples, problems, format } = await collectSource({ path: train, testPath: test })
    expect(format).toBe('treebank')
    expect(problems).toEqual([])
    expect(examples.slice(0, 6)).toEqual([
      { text: 'awful dull film0', label: '0', split: 'train', source: train, line: 1 },
      { text: 'awful', label: '0', split: 'train', source: train, line: 1, phrase: true },
      { text: 'dull', label: '0', split: 'train', source: train, line: 1, phrase: true },
      { text: 'film0', label: '0', split: 'train', source: train, line: 1, phrase: true },
      { text: 'dull film0', label: '0', split: 'train', source: train, line: 1, phrase: true },
      { text: 'great fun movie0', label: '4', split: 'train', source: train, line: 2 },
    ])
    const fromTest = examples.filter((e) => e.split === 'test')
    expect(fromTest.map((e) => e.text)).toEqual(['awful dull film100', 'great fun movie100'])

    const without = await collectSource({ path: train, testPath: test, phrases: false })
    expect(without.examples.map((e) => e.text)).toEqual([
      'awful dull film0',
      'great fun movie0',
      'awful dull film1',
      'great fun movie1',
      'awful dull film100',
      'great fun movie100',
    ])
  })

  it('skips a malformed tree, naming the file and line and what is wrong, and keeps the rest', async () => {
    const path = join(tempDir(), 'trees.txt')
    writeFileSync(
      path,
      ['(1 (1 bad) (1 film))', '(3 (2 good) (3 film)', '', '(4 (4 great) (3 ))', '(0 (0 awful))'].join('\n'),
    )
    const { examples, problems } = await collectSource({ path, format: 'treebank', phrases: false })
    expect(examples.map((e) => [e.line, e.text])).toEqual([
      [1, 'bad film'],
      [5, 'awful'],
    ])
    expect(problems).toEqual([
      { where: `${path}:2`, message: 'line 2 is not a labelled tree: 1 node is not closed; add ")"; skipped' },
      { where: `${path}:4`, message: 'line 4 is not a labelled tree: the node (3) has no word; skipped' },
    ])
  })

  it('maps labels at every node: a dropped root skips its sentence (listed), dropped phrases go quietly', async () => {
    const path = join(tempDir(), 'trees.txt')
    writeFileSync(path, ['(0 (2 the) (0 worst))', '(2 (2 it) (3 works))', '(4 (2 a) (4 gem))'].join('\n'))
    const { examples, problems } = await collectSource({
      path,
      labelThreshold: { threshold: 2, below: 'neg', atOrAbove: 'pos', drop: [2] },
    })
    expect(examples.map((e) => [e.text, e.label, e.phrase ?? false])).toEqual([
      ['the worst', 'neg', false],
      ['worst', 'neg', true],
      ['a gem', 'pos', false],
      ['gem', 'pos', true],
    ])
    expect(problems).toEqual([{ where: `${path}:2`, message: 'line 2: label 2 is dropped by the threshold mapping' }])
  })

  it('previews sentences only', async () => {
    const path = makeTreebank(join(tempDir(), 'trees.txt'), 3)
    const preview = await previewSource(sourceSpecSchema.parse({ path }), 10)
    expect(preview.format).toBe('treebank')
    expect(preview.examples.map((e) => e.text)).toEqual([
      'awful dull film0',
      'great fun movie0',
      'awful dull film1',
      'great fun movie1',
      'awful dull film2',
      'great fun movie2',
    ])
  })
})

describe('importing a treebank', () => {
  async function importTrees(dataDir: string, source: Record<string, unknown>): Promise<DatasetSummary> {
    const ctx = appContext(dataDir)
    try {
      return resultOf(
        await ctx.jobs.finished(
          await ctx.request('datasets.import', { spec: { source, split: { valRatio: 0.25, seed: 1 } } }),
        ),
      )
    } finally {
      await ctx.close()
    }
  }

  it('trains on the phrases of training sentences only: validation and test stay sentences, nothing of theirs leaks', async () => {
    const dir = tempDir()
    const train = makeTreebank(join(dir, 'train.txt'), 8)
    const test = makeTreebank(join(dir, 'test.txt'), 2, 100)
    const dataDir = tempDir()
    const d = await importTrees(dataDir, { path: train, testPath: test })
    // 16 training sentences: 12 train, 4 validation; each train sentence brings 3 words and 1 two-word
    // phrase, and "awful", "dull", "great", "fun" repeat, so they count once.
    expect(d.format).toBe('treebank')
    expect(d.counts).toEqual({ train: 12 + 12 * 2 + 4, val: 4, test: 4 })
    expect(d.phrases).toBe(12 * 2 + 4)
    expect(d.classCounts.val).toEqual([2, 2])
    expect(d.lengths.mean).toBe(3) // the training sentences', not the phrases'
    const folder = join(dataDir, 'datasets', d.id)
    const sources = (split: string) =>
      readFileSync(join(folder, `${split}.sources.txt`), 'utf8')
        .trim()
        .split('\n')
    const valLines = new Set(sources('val'))
    expect(sources('train').filter((s) => valLines.has(s))).toEqual([]) // no phrase of a validation sentence
    const vocab = await readVocabulary(folder)
    const valSplit = await readSplit(folder, 'val')
    // The validation sentences' own words (film<i>, movie<i>) were never seen in training.
    const valIds = [...valSplit.ids]
    expect(valIds.filter((id) => id === 1)).toHaveLength(4) // <unk>: one unseen word per sentence
    expect(vocab).toContain('awful')

    const sentences = await importTrees(tempDir(), { path: train, testPath: test, phrases: false })
    expect(sentences.counts).toEqual({ train: 12, val: 4, test: 4 })
    expect(sentences.phrases).toBeUndefined()
  })

  it('imports 10,000 trees with their phrases in seconds', async () => {
    const path = join(tempDir(), 'big.txt')
    const lines: string[] = []
    for (let i = 0; i < 10_000; i++)
      lines.push(
        tree(
          i % 5,
          Array.from({ length: 18 }, (_, k) => `w${(i * 7 + k * 13) % 5000}`),
        ),
      )
    writeFileSync(path, lines.join('\n'))
    const t0 = performance.now()
    const d = await importTrees(tempDir(), { path })
    const seconds = (performance.now() - t0) / 1000
    expect(d.counts.val).toBe(2_000)
    expect(d.phrases).toBeGreaterThan(50_000) // distinct phrases: the words repeat
    expect(seconds).toBeLessThan(30)
  }, 60_000)
})
