import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspectVectors } from '../../src/main/core/vectors/scan'
import { fixHeader } from '../../src/main/core/vectors/fix-header'
import { buildEmbeddingMatrix } from '../../src/main/core/vectors/matrix'
import { vectorLines, writeGlove, writeZip } from '../fixtures/vector-files'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
const words = ['the', 'movie', 'was', 'Great', 'great', 'bad']

describe('inspecting vector files', () => {
  it('reads a GloVe file: no header, count and dimension', async () => {
    const file = join(tempDir(), 'glove.txt')
    writeGlove(file, words, 4)
    const r = await inspectVectors(file)
    expect(r).toMatchObject({
      format: 'glove',
      header: null,
      headerMatches: null,
      count: 6,
      dim: 4,
      consistent: true,
      problems: [],
    })
    expect(r.sample[0]).toMatch(/^the /)
  })

  it('reads word2vec text and catches a header that lies', async () => {
    const file = join(tempDir(), 'w2v.txt')
    writeGlove(file, words, 4, { header: '2519370 4' })
    const r = await inspectVectors(file)
    expect(r).toMatchObject({
      format: 'word2vec',
      header: { count: 2519370, dim: 4 },
      headerMatches: false,
      count: 6,
      consistent: true,
    })
    expect(r.problems).toContainEqual(expect.objectContaining({ kind: 'header-mismatch', line: 1 }))
    writeGlove(file, words, 4, { header: '6 4' })
    expect((await inspectVectors(file)).headerMatches).toBe(true)
  })

  it('lists bad lines by number: wrong counts, non-numbers, duplicates, and notes BOM, CRLF, spaced tokens', async () => {
    const lines = vectorLines(['a', 'b', 'c', 'd'], 3)
    lines[1] = 'b 0.1' // too few values
    lines[2] = 'c 0.1 abc 0.3'
    lines.push(lines[0]!) // duplicate "a"
    lines.push('New York 0.1 0.2 0.3') // 840B-style token with a space
    const file = join(tempDir(), 'bad.txt')
    writeFileSync(file, '\ufeff' + lines.join('\r\n') + '\r\n')
    const r = await inspectVectors(file)
    expect(r.consistent).toBe(false)
    expect(r.count).toBe(3) // a, d, "New York"
    const byKind = Object.fromEntries(r.problems.map((p) => [p.kind, p]))
    expect(byKind['wrong-field-count']).toMatchObject({ line: 2, message: '1 value where 3 are expected' })
    expect(byKind['not-a-number']).toMatchObject({ line: 3, message: expect.stringContaining('"abc"') })
    expect(byKind['duplicate-word']).toMatchObject({ line: 5 })
    expect(byKind['token-with-spaces']).toMatchObject({ line: 6, message: expect.stringContaining('New York') })
    expect(byKind.bom).toBeDefined()
    expect(r.problemCounts.crlf).toBe(1)
  })

  it('reads a 2-line file, a .gz, and refuses an empty file with its name', async () => {
    const dir = tempDir()
    writeGlove(join(dir, 'two.txt'), ['x', 'y'], 2)
    expect((await inspectVectors(join(dir, 'two.txt'))).count).toBe(2)
    writeGlove(join(dir, 'v.txt.gz'), words, 3, { gzip: true })
    expect(await inspectVectors(join(dir, 'v.txt.gz'))).toMatchObject({ count: 6, dim: 3 })
    writeFileSync(join(dir, 'empty.txt'), '')
    await expect(inspectVectors(join(dir, 'empty.txt'))).rejects.toThrow(`${join(dir, 'empty.txt')} is empty`)
    await expect(inspectVectors(join(dir, 'nope.txt'))).rejects.toThrow(/does not exist/)
  })

  it('asks which member of a zip holding several, and reads the one chosen', async () => {
    const dir = tempDir()
    const zip = join(dir, 'glove.6B.zip')
    await writeZip(zip, {
      'glove.6B.50d.txt': vectorLines(words, 5).join('\n') + '\n',
      'glove.6B.100d.txt': vectorLines(words, 10).join('\n') + '\n',
    })
    await expect(inspectVectors(zip)).rejects.toThrow(
      /holds 2 files \(glove\.6B\.50d\.txt, glove\.6B\.100d\.txt\); choose one/,
    )
    expect(await inspectVectors(zip, { member: 'glove.6B.100d.txt' })).toMatchObject({
      member: 'glove.6B.100d.txt',
      count: 6,
      dim: 10,
    })
  })
})

describe('fixing the header', () => {
  it('writes COUNT DIM in place, keeping every vector line', async () => {
    const dir = tempDir()
    const file = join(dir, 'glove.txt')
    writeGlove(file, words, 4)
    const before = readFileSync(file, 'utf8')
    const r = await fixHeader({ path: file })
    expect(r).toMatchObject({ out: file, count: 6, dim: 4, headerLine: '6 4', droppedLines: 0 })
    expect(readFileSync(file, 'utf8')).toBe(`6 4\n${before}`)
    expect(readdirSync(dir)).toEqual(['glove.txt'])
  })

  it('corrects a lying header into a new file and can remove a header', async () => {
    const dir = tempDir()
    const file = join(dir, 'w2v.txt')
    writeGlove(file, words, 4, { header: '400000 300' })
    const fixed = await fixHeader({ path: file, out: join(dir, 'fixed.txt') })
    expect(readFileSync(fixed.out, 'utf8').split('\n')[0]).toBe('6 4')
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('400000 300') // original untouched
    const removed = await fixHeader({ path: fixed.out, out: join(dir, 'glove.txt'), remove: true })
    expect(removed.headerLine).toBeNull()
    expect(readFileSync(removed.out, 'utf8').split('\n')[0]).toMatch(/^the /)
  })

  it('refuses an inconsistent file with the first bad line, unless told to drop bad lines', async () => {
    const dir = tempDir()
    const file = join(dir, 'bad.txt')
    const lines = vectorLines(['a', 'b', 'c'], 3)
    lines[1] = 'b 0.1'
    writeFileSync(file, lines.join('\n') + '\n')
    await expect(fixHeader({ path: file })).rejects.toThrow(
      /1 unusable line \(first: line 2, 1 value where 3 are expected\)/,
    )
    expect(readFileSync(file, 'utf8')).toBe(lines.join('\n') + '\n')
    const r = await fixHeader({ path: file, dropBadLines: true })
    expect(r).toMatchObject({ count: 2, droppedLines: 1 })
    expect(readFileSync(file, 'utf8')).toBe(`2 3\n${lines[0]}\n${lines[2]}\n`)
  })

  it('leaves the original intact when the fix-up is interrupted midway', async () => {
    const dir = tempDir()
    const file = join(dir, 'big.txt')
    writeGlove(
      file,
      Array.from({ length: 60_000 }, (_, i) => `w${i}`),
      8,
    )
    const before = readFileSync(file)
    const abort = new AbortController()
    const fixing = fixHeader({
      path: file,
      signal: abort.signal,
      progress: (_d, _t, phase) => {
        if (phase === 'writing') abort.abort(new Error('cancelled by the test'))
      },
    })
    await expect(fixing).rejects.toThrow(/cancelled by the test|aborted/)
    expect(readFileSync(file).equals(before)).toBe(true)
    expect(readdirSync(dir)).toEqual(['big.txt'])
  })
})

describe('embedding matrix', () => {
  it('keeps only vocabulary rows, exact case first, and reports coverage', async () => {
    const dir = tempDir()
    const file = join(dir, 'glove.txt')
    writeGlove(file, words, 3)
    const vectors = Object.fromEntries(
      vectorLines(words, 3).map((l) => [l.split(' ')[0], l.split(' ').slice(1).map(Number)]),
    )
    const vocab = ['<pad>', '<unk>', 'the', 'great', 'GREAT', 'unseen']
    const counts = [0, 0, 10, 5, 1, 4]
    const out = join(dir, 'm.f32')
    const r = await buildEmbeddingMatrix({ path: file, vocab, counts, foldCase: true, oov: 'zeros', seed: 1, out })
    expect(r).toMatchObject({
      dim: 3,
      vocabularyFound: 3,
      vocabularySize: 4,
      vocabularyShare: 0.75,
      tokenShare: 16 / 20,
    })
    expect(r.topMissing).toEqual([{ word: 'unseen', count: 4 }])
    const m = floats(readFileSync(out))
    const row = (id: number) => [...m.subarray(id * 3, id * 3 + 3)]
    expect(row(0)).toEqual([0, 0, 0])
    expect(row(2)).toEqual(vectors.the!.map(Math.fround))
    expect(row(3)).toEqual(vectors.great!.map(Math.fround)) // exact "great", not "Great"
    expect(row(4)).toEqual(vectors.Great!.map(Math.fround)) // folded: first case variant
    expect(row(5)).toEqual([0, 0, 0])
  })

  it('is case-sensitive when asked, and fills missing rows with small seeded values', async () => {
    const dir = tempDir()
    const file = join(dir, 'glove.txt')
    writeGlove(file, words, 3, { header: '6 3' })
    const vocab = ['<pad>', '<unk>', 'GREAT', 'movie']
    const out = join(dir, 'm.f32')
    const r = await buildEmbeddingMatrix({
      path: file,
      vocab,
      counts: [0, 0, 1, 1],
      foldCase: false,
      oov: 'random',
      seed: 3,
      out,
    })
    expect(r.vocabularyFound).toBe(1)
    const m = floats(readFileSync(out))
    const unseen = [...m.subarray(6, 9)]
    expect(unseen.every((v) => v !== 0 && Math.abs(v) <= 0.05)).toBe(true)
  })
})
