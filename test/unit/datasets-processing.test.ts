import { describe, expect, it } from 'vitest'
import {
  basicClean,
  cleanText,
  internTokens,
  kimClean,
  stripHtml,
  tokenize,
} from '../../src/main/core/datasets/preprocess'
import { TokenInterner, buildVocabulary } from '../../src/main/core/datasets/vocabulary'
import { assignSplits, carve, seededRandom } from '../../src/main/core/datasets/splits'
import { padSequences, readSplit, readVocabulary, writeDatasetFiles } from '../../src/main/core/datasets/store'
import { lengthStats } from '../../src/main/core/datasets/length-stats'
import { duplicateFigures, textHash } from '../../src/main/core/datasets/duplicates'
import { preprocessSchema } from '../../src/shared/datasets'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

describe('cleaning', () => {
  it('strips aclImdb tags and decodes entities', () => {
    expect(stripHtml('Great film.<br /><br />Loved it &amp; more')).toBe('Great film.  Loved it & more')
  })

  it('maps URLs to <url> and digits to 0 (the Amazon LSTM)', () => {
    expect(basicClean('See https://x.com/a?b=1 or www.y.org, 5 stars in 2019')).toBe(
      'See  <url>  or  <url>  0 stars in 0000',
    )
  })

  it("follows Kim's clean_str", () => {
    expect(kimClean("It's a (great) film, isn't it?! I'd say: 10/10 — wow")).toBe(
      "it 's a ( great ) film , is n't it ? ! i 'd say 10 10 wow",
    )
  })

  it('tokenizes words with inner apostrophes and hyphens, and punctuation apart', () => {
    expect(tokenize("Don't miss this well-made film!!! <url>", 'word')).toEqual([
      "Don't",
      'miss',
      'this',
      'well-made',
      'film',
      '!',
      '!',
      '!',
      '<url>',
    ])
    expect(tokenize('  a  b\tc\n', 'whitespace')).toEqual(['a', 'b', 'c'])
  })

  it('interns the same tokens on the fast ASCII path as the tokenizer gives, for both tokenizers, and hashes the text', () => {
    const random = seededRandom(5)
    const pieces = [
      'film',
      'Don',
      "'",
      't',
      '-',
      'well',
      '42',
      '<url>',
      '<',
      'url>',
      '!',
      '.',
      ',',
      ' ',
      '  ',
      '\t',
      '\n',
      'x',
      '--',
      "''",
      'é',
      '’s',
    ]
    for (let trial = 0; trial < 500; trial++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 30) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('')
      for (const tokenizer of ['word', 'whitespace'] as const) {
        const interner = new TokenInterner()
        const ids: number[] = []
        const hash = internTokens(text, tokenizer, interner, (id) => ids.push(id))
        expect(hash, JSON.stringify(text)).toBe(textHash(text))
        expect(
          ids.map((id) => interner.tokens[id]),
          JSON.stringify(text),
        ).toEqual(tokenize(text, tokenizer))
      }
    }
  })

  it('gives one id per distinct token across many tokens (the table grows)', () => {
    const interner = new TokenInterner()
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`)
    const ids = words.map((w) => interner.intern(w))
    expect(new Set(ids).size).toBe(20_000)
    expect(words.map((w) => interner.intern(w))).toEqual(ids)
    expect(interner.tokens[ids[12345]!]).toBe('w12345')
  })

  it('applies the options in order: HTML, cleaning, lowercase, tokens', () => {
    const spec = preprocessSchema.parse({ lowercase: true, clean: 'basic' })
    expect(cleanText('Top <b>10</b>!', spec)).toBe('top  00 !')
    expect(tokenize(cleanText('Top <b>10</b>!', spec), spec.tokenizer)).toEqual(['top', '00', '!'])
  })
})

describe('vocabulary', () => {
  it('keeps tokens seen at least minCount times in training, most frequent first, PAD 0 and UNK 1', () => {
    const interner = new TokenInterner()
    const ids = ['b', 'a', 'c', 'a', 'b', 'a', 'd'].map((t) => interner.intern(t))
    const counts = new Uint32Array(interner.size)
    for (const id of ids) counts[id]!++
    const v = buildVocabulary(interner.tokens, counts, { minCount: 2 })
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'a', 'b'])
    expect(v.counts).toEqual([0, 0, 3, 2])
    expect([...v.remap]).toEqual([3, 2, 1, 1]) // b, a, c, d
    expect(buildVocabulary(interner.tokens, counts, { minCount: 1, maxSize: 3 }).tokens).toEqual([
      '<pad>',
      '<unk>',
      'a',
    ])
  })

  it('breaks ties by the token, so ids do not depend on reading order', () => {
    const v1 = buildVocabulary(['y', 'x'], Uint32Array.from([1, 1]), { minCount: 1 })
    const v2 = buildVocabulary(['x', 'y'], Uint32Array.from([1, 1]), { minCount: 1 })
    expect(v1.tokens).toEqual(v2.tokens)
  })
})

describe('splits', () => {
  const labels = Uint16Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 1 : 0)) // 25% class 1

  it('carves a stratified validation share from train, the same for the same seed', () => {
    const sourceSplit = new Int8Array(1000).fill(1)
    const options = { mode: 'ratio' as const, valRatio: 0.2, testRatio: 0.2, stratified: true, seed: 7 }
    const a = assignSplits(sourceSplit, labels, options)
    expect(a.filter((s) => s === 1).length).toBe(200)
    expect([...a].filter((s, i) => s === 1 && labels[i] === 1).length).toBe(50)
    expect([...assignSplits(sourceSplit, labels, options)]).toEqual([...a])
    expect([...assignSplits(sourceSplit, labels, { ...options, seed: 8 })]).not.toEqual([...a])
  })

  it("keeps the source's test set and can halve it into validation and test", () => {
    const sourceSplit = Int8Array.from({ length: 1000 }, (_, i) => (i < 600 ? 1 : 2))
    const s = assignSplits(sourceSplit, labels, {
      mode: 'halve-test',
      valRatio: 0.2,
      testRatio: 0.2,
      stratified: true,
      seed: 1,
    })
    expect(s.slice(0, 600).every((x) => x === 0)).toBe(true)
    expect(s.filter((x) => x === 1).length).toBe(200)
    expect(s.filter((x) => x === 2).length).toBe(200)
  })

  it('holds out test first when the source has no split', () => {
    const s = assignSplits(new Int8Array(1000), labels, {
      mode: 'ratio',
      valRatio: 0.25,
      testRatio: 0.2,
      stratified: true,
      seed: 1,
    })
    expect(s.filter((x) => x === 2).length).toBe(200)
    expect(s.filter((x) => x === 1).length).toBe(200) // a quarter of the remaining 800
  })

  it('splits a million examples (no argument spreading that overflows the stack)', () => {
    const n = 1_000_000
    const s = assignSplits(new Int8Array(n), new Uint16Array(n), {
      mode: 'ratio',
      valRatio: 0.2,
      testRatio: 0.2,
      stratified: true,
      seed: 1,
    })
    expect(s.filter((x) => x === 2).length).toBe(200_000)
  })

  it('carve moves nothing at ratio 0 and a seeded generator repeats', () => {
    expect(carve([1, 2, 3], labels, 0, true, seededRandom(1))).toEqual([])
    const r1 = seededRandom(3)
    const r2 = seededRandom(3)
    expect([r1(), r1()]).toEqual([r2(), r2()])
  })
})

describe('store', () => {
  it('writes and reads back splits and the vocabulary, with a fingerprint that follows the content', async () => {
    const split = (ids: number[], offsets: number[], labels: number[]) => ({
      ids: Uint32Array.from(ids),
      offsets: Uint32Array.from(offsets),
      labels: Uint16Array.from(labels),
      ratings: null,
      sources: labels.map((_, i) => `f${i}`),
      lines: new Uint32Array(labels.length),
    })
    const splits = {
      train: split([2, 3, 4, 2], [0, 3, 4], [0, 1]),
      val: split([3], [0, 1], [1]),
      test: split([], [0], []),
    }
    const vocab = { tokens: ['<pad>', '<unk>', 'a', 'b', 'c'], counts: [0, 0, 2, 1, 1] }
    const meta = { classes: ['neg', 'pos'], vocabSize: 5, counts: { train: 2, val: 1, test: 0 } }
    const dir = tempDir()
    const fp = await writeDatasetFiles(dir, meta, vocab, splits)
    expect(fp).toMatch(/^[0-9a-f]{64}$/)
    expect(await readVocabulary(dir)).toEqual(vocab.tokens)
    const train = await readSplit(dir, 'train')
    expect(train.ids).toBeInstanceOf(Uint16Array)
    expect([...train.ids]).toEqual([2, 3, 4, 2])
    expect([...train.offsets]).toEqual([0, 3, 4])
    expect([...train.labels]).toEqual([0, 1])
    expect(await writeDatasetFiles(tempDir(), meta, vocab, splits)).toBe(fp)
    splits.train.labels[0] = 1
    expect(await writeDatasetFiles(tempDir(), meta, vocab, splits)).not.toBe(fp)
  })

  it('pads and truncates on either side', () => {
    const ids = [1, 2, 3, 4, 5, 6]
    const offsets = Uint32Array.from([0, 2, 6])
    expect([...padSequences(ids, offsets, 3, 'post', 'post')]).toEqual([1, 2, 0, 3, 4, 5])
    expect([...padSequences(ids, offsets, 3, 'pre', 'pre')]).toEqual([0, 1, 2, 4, 5, 6])
  })
})

describe('figures', () => {
  it('hashes texts to distinct numbers', () => {
    const texts = Array.from({ length: 50_000 }, (_, i) => `review ${i}`)
    expect(new Set(texts.map(textHash)).size).toBe(50_000)
    expect(textHash('same')).toBe(textHash('same'))
    expect(Number.isSafeInteger(textHash('x'))).toBe(true)
  })

  it('length statistics say what share fits', () => {
    const s = lengthStats(Uint32Array.from([1, 2, 3, 4, 100]), 4)
    expect(s).toMatchObject({ median: 3, max: 100, fitShare: 0.8 })
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(5)
  })

  it('counts repeated texts and texts shared by training and test', () => {
    // a a(train) b(train) b(test) c(val) c(test) d(test)
    const keys = ['a', 'a', 'b', 'b', 'c', 'c', 'd'].map(textHash)
    const figures = duplicateFigures(keys, Int8Array.from([0, 0, 0, 2, 1, 2, 2]))
    expect(figures).toEqual({ repeated: 3, trainTestOverlap: 2 })
  })
})
