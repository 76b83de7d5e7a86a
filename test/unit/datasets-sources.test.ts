import { describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decode, DecodeError, detectEncoding } from '../../src/main/core/datasets/encoding'
import { detectFormat, openSource, previewSource } from '../../src/main/core/datasets/sources'
import { whereOf, type RawExample } from '../../src/main/core/datasets/sources/types'
import { sourceSpecSchema, type SourceProblem } from '../../src/shared/datasets'
import { useTempDir } from '../fixtures/temp-dir'
import {
  compress,
  fastTextLines,
  hasBzip2,
  makeAclImdbFolder,
  makeAclImdbTarGz,
  makeCsv,
  makeFastText,
  makeJsonLines,
  makeLineFiles,
  truncateHalf,
  writeTree,
} from '../fixtures/dataset-files'

const tempDir = useTempDir()
const spec = (input: Record<string, unknown>) => sourceSpecSchema.parse(input)

async function collect(input: Record<string, unknown>, signal = new AbortController().signal) {
  const problems: SourceProblem[] = []
  const progress: [number, number | null, string][] = []
  const opened = await openSource(spec(input), {
    signal,
    problem: (p) => problems.push(p),
    progress: (done, total, unit) => progress.push([done, total, unit]),
  })
  const examples: RawExample[] = []
  for await (const e of opened.examples) examples.push(e)
  return { examples, problems, progress, format: opened.format, encodings: opened.encodings() }
}

const countBy = (examples: RawExample[], key: (e: RawExample) => string) =>
  examples.reduce<Record<string, number>>((acc, e) => ((acc[key(e)] = (acc[key(e)] ?? 0) + 1), acc), {})
const bySplitLabel = (examples: RawExample[]) => countBy(examples, (e) => `${e.split}/${e.label}`)

describe('aclImdb', () => {
  it('reads the folder in order of split, class and numeric id, with ratings, ignoring unsup, .feat and the rest', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 12)
    const { examples, problems, format, encodings, progress } = await collect({ path: root })
    expect(format).toBe('aclimdb')
    expect(problems).toEqual([])
    expect(bySplitLabel(examples)).toEqual({ 'train/neg': 12, 'train/pos': 12, 'test/neg': 12, 'test/pos': 12 })
    expect(examples.slice(0, 3).map((e) => e.source)).toEqual([
      'train/neg/0_1.txt',
      'train/neg/1_2.txt',
      'train/neg/2_3.txt',
    ])
    expect(examples[10]).toMatchObject({ source: 'train/neg/10_3.txt', rating: 3, split: 'train', label: 'neg' })
    expect(examples[12]).toMatchObject({ source: 'train/pos/0_7.txt', rating: 7, label: 'pos' })
    expect(examples[0]!.text).toBe('a dull, boring mess<br /><br />Review number 0.')
    expect(encodings).toEqual({ 'utf-8': 48 })
    expect(progress.at(-1)).toEqual([48, 48, 'files'])
  })

  it('streams the .tar.gz archive, whatever its top folder, and maps labels', async () => {
    for (const top of ['aclImdb/', 'imdb-copy/', '']) {
      const file = await makeAclImdbTarGz(join(tempDir(), 'aclImdb_v1.tar.gz'), 4, { top })
      const { examples, format, progress } = await collect({ path: file })
      expect(format).toBe('aclimdb')
      expect(bySplitLabel(examples)).toEqual({ 'test/neg': 4, 'test/pos': 4, 'train/neg': 4, 'train/pos': 4 })
      expect(examples.find((e) => e.source === 'train/pos/2_8.txt')).toMatchObject({ rating: 8, split: 'train' })
      expect(progress.every(([, , unit]) => unit === 'bytes')).toBe(true)
    }
    const file = await makeAclImdbTarGz(join(tempDir(), 'a.tgz'), 2)
    const mapped = await collect({ path: file, labelMap: { neg: 'negative', pos: 'positive' } })
    expect(countBy(mapped.examples, (e) => e.label)).toEqual({ negative: 4, positive: 4 })
  })

  it('stops on a truncated archive with a message naming it', async () => {
    const file = truncateHalf(await makeAclImdbTarGz(join(tempDir(), 'aclImdb_v1.tar.gz'), 50))
    await expect(collect({ path: file })).rejects.toThrow(
      new RegExp(`^${file} looks truncated or corrupt \\(.*\\); download it again\\.$`),
    )
  })

  it('refuses a folder missing part of the layout', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 1)
    await expect(collect({ path: join(root, 'train'), format: 'aclimdb' })).rejects.toThrow(
      /is not in the aclImdb layout: train\/neg\/ is missing/,
    )
  })

  it('stops with an AbortError when cancelled', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 5)
    const abort = new AbortController()
    abort.abort()
    await expect(collect({ path: root }, abort.signal)).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('folder per label', () => {
  it('reads direct files of class sub-folders, skipping and listing empty and binary files', async () => {
    const root = writeTree(tempDir(), {
      'happy/a.txt': 'happy review',
      'happy/.hidden': 'not a review',
      'happy/nested/deep.txt': 'not read: only direct children count',
      'sad/a.txt': 'sad review',
      'sad/empty.txt': '',
      'meh/a.txt': 'meh review',
      'meh/photo.jpg': Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37) % 256)),
      'meh/noise.bin': Buffer.from(Array.from({ length: 600 }, (_, i) => 0x80 + ((i * 7) % 0x7f))),
    })
    const { examples, problems, format } = await collect({ path: root })
    expect(format).toBe('folder')
    expect(examples.map((e) => [e.source, e.label, e.split])).toEqual([
      ['happy/a.txt', 'happy', null],
      ['meh/a.txt', 'meh', null],
      ['sad/a.txt', 'sad', null],
    ])
    expect(problems).toEqual([
      { where: 'meh/noise.bin', message: 'looks binary (control or NUL bytes), not text; skipped' },
      { where: 'meh/photo.jpg', message: 'looks binary (control or NUL bytes), not text; skipped' },
      { where: 'sad/empty.txt', message: 'the file is empty; skipped' },
    ])
  })

  it('reads train/ and test/ above the classes, and refuses different classes in each', async () => {
    const root = writeTree(tempDir(), {
      'train/good/1.txt': 'good train',
      'train/good/2.txt': 'good train 2',
      'train/bad/1.txt': 'bad train',
      'test/good/1.txt': 'good test',
      'test/bad/1.txt': 'bad test',
    })
    const { examples } = await collect({ path: root })
    expect(bySplitLabel(examples)).toEqual({ 'train/bad': 1, 'train/good': 2, 'test/bad': 1, 'test/good': 1 })
    writeTree(root, { 'test/ugly/1.txt': 'ugly' })
    await expect(collect({ path: root })).rejects.toThrow(
      'train/ has the classes bad, good but test/ has bad, good, ugly; make them the same.',
    )
  })

  it('maps class folder names with a threshold, listing dropped files', async () => {
    const root = writeTree(tempDir(), { '1/a.txt': 'awful', '3/a.txt': 'meh', '5/a.txt': 'great', '5/b.txt': 'fine' })
    const { examples, problems } = await collect({
      path: root,
      labelThreshold: { threshold: 4, below: 'neg', atOrAbove: 'pos', drop: [3] },
    })
    expect(examples.map((e) => e.label)).toEqual(['neg', 'pos', 'pos'])
    expect(problems).toEqual([{ where: '3/a.txt', message: 'label 3 is dropped by the threshold mapping; skipped' }])
  })

  it('refuses a folder with no class sub-folders, a class with no files, a file for a folder, a missing path', async () => {
    const root = writeTree(tempDir(), { 'reviews.txt': 'x' })
    await expect(collect({ path: root, format: 'folder' })).rejects.toThrow(
      `${root} has no class sub-folders; a folder dataset needs one sub-folder per class`,
    )
    writeTree(root, { 'pos/1.txt': 'fine' })
    await expect(collect({ path: root, format: 'folder' })).rejects.toThrow(
      `${root} has only one sub-folder (pos); a folder dataset needs one sub-folder per class`,
    )
    mkdirSync(join(root, 'neg'))
    await expect(collect({ path: root, format: 'folder' })).rejects.toThrow(
      `The class folder ${join(root, 'neg')} has no files`,
    )
    await expect(collect({ path: join(root, 'reviews.txt'), format: 'folder' })).rejects.toThrow(
      `${join(root, 'reviews.txt')} is a file, not a folder; choose the folder that holds the reviews.`,
    )
    await expect(collect({ path: join(root, 'nope') })).rejects.toThrow(
      `${join(root, 'nope')} does not exist; check the path.`,
    )
  })

  it('detects each file’s encoding (UTF-8, BOMs, UTF-16LE, Windows-1252) and lists undecodable ones when one is forced', async () => {
    const root = writeTree(tempDir(), {
      'pos/utf8.txt': 'Caf\u00e9 \u2019great\u2019',
      'pos/bom.txt': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('with a BOM')]),
      'neg/cp1252.txt': Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x92, 0x62, 0x61, 0x64, 0x92]), // Café ’bad’
      'neg/utf16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('wide text \u00e9', 'utf16le')]),
    })
    const auto = await collect({ path: root })
    expect(Object.fromEntries(auto.examples.map((e) => [e.source, e.text]))).toEqual({
      'pos/bom.txt': 'with a BOM',
      'pos/utf8.txt': 'Café ’great’',
      'neg/cp1252.txt': 'Café ’bad’',
      'neg/utf16.txt': 'wide text é',
    })
    expect(auto.encodings).toEqual({ 'utf-8': 2, 'windows-1252': 1, 'utf-16le': 1 })
    const forced = await collect({ path: root, encoding: 'utf-8' })
    expect(forced.problems).toEqual([
      { where: 'neg/cp1252.txt', message: 'not valid utf-8 at byte 3; choose another encoding; skipped' },
      {
        where: 'neg/utf16.txt',
        message: 'starts with a utf-16le byte-order mark but utf-8 was chosen; choose another encoding; skipped',
      },
    ])
    expect(forced.examples).toHaveLength(2)
  })

  it.skipIf(process.getuid?.() === 0)(
    'names a file that cannot be read (not as root, who reads anything)',
    async () => {
      const root = writeTree(tempDir(), { 'pos/1.txt': 'text', 'neg/1.txt': 'text' })
      chmodSync(join(root, 'neg', '1.txt'), 0)
      const { problems } = await collect({ path: root })
      expect(problems).toEqual([{ where: 'neg/1.txt', message: 'cannot be read (EACCES); skipped' }])
    },
  )
})

describe('fastText', () => {
  const variants = [
    ['plain', 'none', true],
    ['gzip', 'gz', true],
    ['bzip2', 'bz2', hasBzip2],
  ] as const
  for (const [name, how, available] of variants)
    it.skipIf(!available)(
      `reads labels and text from a ${name} file, up to a limit${available ? '' : ' (skipped: no bzip2 command to make the fixture)'}`,
      async () => {
        const file = makeFastText(
          join(tempDir(), `train.ft.txt${how === 'none' ? '' : `.${how}`}`),
          fastTextLines(10),
          how,
        )
        const { examples, format, problems } = await collect({ path: file })
        expect(format).toBe('fasttext')
        expect(problems).toEqual([])
        expect(countBy(examples, (e) => e.label)).toEqual({ '1': 5, '2': 5 })
        expect(examples[0]).toMatchObject({ label: '2', split: null, source: file, line: 1 })
        expect(examples[1]!.text).toBe('terrible acting and a weak plot  Review number 1.')
        expect((await collect({ path: file, limit: 4 })).examples.map(whereOf)).toEqual(
          [1, 2, 3, 4].map((n) => `${file}:${n}`),
        )
      },
    )

  it('maps labels, takes a separate test file, keeps only the first of several labels, lists bad lines', async () => {
    const dir = tempDir()
    const lines = fastTextLines(6)
    lines[2] = 'no label on this line'
    lines[4] = '__label__3 a neutral one'
    lines[5] = '__label__1 __label__2\tboth labels'
    const train = makeFastText(join(dir, 'train.txt'), lines)
    const test = makeFastText(join(dir, 'test.txt'), fastTextLines(2))
    const { examples, problems } = await collect({
      path: train,
      testPath: test,
      labelMap: { '1': 'negative', '2': 'positive' },
    })
    expect(bySplitLabel(examples)).toEqual({
      'train/positive': 1,
      'train/negative': 3,
      'test/positive': 1,
      'test/negative': 1,
    })
    expect(examples[3]).toMatchObject({ text: 'both labels', label: 'negative', source: train, line: 6 })
    expect(problems).toEqual([
      { where: `${train}:3`, message: 'line 3 does not start with __label__; fix the line or set the label prefix' },
      {
        where: `${train}:5`,
        message: 'line 5: label "3" is not in the label mapping (1, 2); add it to the mapping or remove the line',
      },
    ])
  })

  it('takes another label prefix', async () => {
    const file = makeFastText(join(tempDir(), 'x.txt'), ['#good nice', '#bad awful'])
    const { examples } = await collect({ path: file, format: 'fasttext', labelPrefix: '#' })
    expect(examples.map((e) => [e.label, e.text])).toEqual([
      ['good', 'nice'],
      ['bad', 'awful'],
    ])
  })

  for (const how of ['gz', 'bz2'] as const)
    it.skipIf(how === 'bz2' && !hasBzip2)(`stops on a truncated .${how} with a message naming it`, async () => {
      const file = truncateHalf(makeFastText(join(tempDir(), `big.txt.${how}`), fastTextLines(20_000), how))
      const seen: RawExample[] = []
      const read = async () => {
        const opened = await openSource(spec({ path: file }), {
          signal: new AbortController().signal,
          problem: () => {},
          progress: () => {},
        })
        for await (const e of opened.examples) seen.push(e)
      }
      await expect(read()).rejects.toThrow(
        new RegExp(`^${file} looks truncated or corrupt \\(.*\\); download it again\\.$`),
      )
    })

  it('refuses an empty file, a folder for a file, and a .gz name on plain text', async () => {
    const dir = tempDir()
    const empty = join(dir, 'empty.txt')
    writeFileSync(empty, '')
    await expect(collect({ path: empty, format: 'fasttext' })).rejects.toThrow(
      `${empty} is empty; choose another file.`,
    )
    await expect(collect({ path: dir, format: 'fasttext' })).rejects.toThrow(`${dir} is a folder, not a file`)
    const fake = makeFastText(join(dir, 'train.txt.gz'), fastTextLines(2))
    await expect(collect({ path: fake, format: 'fasttext' })).rejects.toThrow(
      `${fake} is named .gz but does not hold gzip data; it looks corrupt: download it again.`,
    )
    // Told by its bytes, a gzip file needs no .gz name.
    const gz = makeFastText(join(dir, 'train.data'), fastTextLines(2), 'gz')
    expect((await collect({ path: gz })).examples).toHaveLength(2)
  })

  it('reports progress in bytes about once per megabyte, and stops with an AbortError', async () => {
    const file = makeFastText(join(tempDir(), 'big.txt'), fastTextLines(60_000))
    const { examples, progress } = await collect({ path: file })
    expect(examples).toHaveLength(60_000)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.length).toBeLessThan(10)
    expect(progress.every(([, total, unit]) => unit === 'bytes' && total === progress[0]![1])).toBe(true)
    const abort = new AbortController()
    const opened = await openSource(spec({ path: file }), {
      signal: abort.signal,
      problem: () => {},
      progress: () => {},
    })
    let n = 0
    const read = async () => {
      for await (const _ of opened.examples) if (++n === 100) abort.abort()
    }
    await expect(read()).rejects.toMatchObject({ name: 'AbortError' })
    expect(n).toBe(100)
  })
})

describe('delimited', () => {
  it('detects the delimiter, the header and the columns of a CSV, with quoted commas and line numbers', async () => {
    const file = makeCsv(join(tempDir(), 'reviews.csv'), [
      ['id', 'review', 'sentiment'],
      ['1', 'A fine film, with "quotes" and commas', 'positive'],
      ['2', 'Not good at all,\nsadly', 'negative'],
      ['3', 'Lovely', 'positive'],
    ])
    const { examples, format } = await collect({ path: file })
    expect(format).toBe('delimited')
    expect(examples).toEqual([
      { text: 'A fine film, with "quotes" and commas', label: 'positive', split: null, source: `${file}:2` },
      { text: 'Not good at all,\nsadly', label: 'negative', split: null, source: `${file}:3` },
      { text: 'Lovely', label: 'positive', split: null, source: `${file}:5` },
    ])
    const p = await previewSource(spec({ path: file }), 10)
    expect(p).toMatchObject({ columns: ['id', 'review', 'sentiment'], delimiter: ',', header: true })
    expect(p.formatReason).toMatch(/comma-separated, with a header row \(detected\)/)
  })

  it('tells a header row from a first data row', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => [`review ${i} of a film, so-so`, i % 2 ? 'neg' : 'pos'])
    const bare = makeCsv(join(tempDir(), 'bare.csv'), rows)
    const withHeader = makeCsv(join(tempDir(), 'named.csv'), [['review', 'sentiment'], ...rows])
    const a = await previewSource(spec({ path: bare }), 20)
    expect(a).toMatchObject({ header: false, columns: ['0', '1'] })
    expect(a.examples).toHaveLength(10)
    const b = await previewSource(spec({ path: withHeader }), 20)
    expect(b).toMatchObject({ header: true, columns: ['review', 'sentiment'] })
    expect(b.examples[0]).toMatchObject({ text: 'review 0 of a film, so-so', label: 'pos', source: `${withHeader}:2` })
  })

  it('reads a TSV without a header by column index, with star labels through a threshold', async () => {
    const file = makeCsv(
      join(tempDir(), 'stars.tsv'),
      [
        ['5', 'superb'],
        ['1', 'dreadful'],
        ['3', 'so-so'],
        ['x', 'odd'],
        ['4', 'good'],
      ],
      '\t',
    )
    const { examples, problems } = await collect({
      path: file,
      header: false,
      textColumn: 1,
      labelColumn: 0,
      labelThreshold: { threshold: 4, below: 'negative', atOrAbove: 'positive', drop: [3] },
    })
    expect(examples.map((e) => [e.text, e.label])).toEqual([
      ['superb', 'positive'],
      ['dreadful', 'negative'],
      ['good', 'positive'],
    ])
    expect(problems).toEqual([
      { where: `${file}:3`, message: 'line 3: label 3 is dropped by the threshold mapping' },
      {
        where: `${file}:4`,
        message: 'line 4: label "x" is not a number, so the threshold cannot place it; fix or remove the line',
      },
    ])
  })

  it('detects semicolons, takes a chosen delimiter, maps 0/1 labels and lists one not in the mapping', async () => {
    const dir = tempDir()
    const rows = [
      ['text', 'label'],
      ['good one', '1'],
      ['bad one', '0'],
      ['odd one', '3'],
    ]
    const semi = makeCsv(join(dir, 'a.csv'), rows, ';')
    const { examples, problems } = await collect({ path: semi, labelMap: { '0': 'negative', '1': 'positive' } })
    expect(examples.map((e) => e.label)).toEqual(['positive', 'negative'])
    expect(problems).toEqual([
      {
        where: `${semi}:4`,
        message: 'line 4: label "3" is not in the label mapping (0, 1); add it to the mapping or remove the line',
      },
    ])
    const pipe = makeCsv(join(dir, 'b.txt'), rows, '|')
    const piped = await collect({ path: pipe, format: 'delimited', delimiter: '|', limit: 2 })
    expect(piped.examples.map((e) => [e.text, e.label])).toEqual([
      ['good one', '1'],
      ['bad one', '0'],
    ])
  })

  it('reads unbalanced quotes with quoting off, and says to turn it off when a quote never closes', async () => {
    const file = join(tempDir(), 'raw.csv')
    writeFileSync(file, 'text,label\nhe said "wow,1\nplain,0\n')
    const { examples } = await collect({ path: file, quoting: false, textColumn: 'text', labelColumn: 'label' })
    expect(examples.map((e) => e.text)).toEqual(['he said "wow', 'plain'])
    writeFileSync(file, 'text,label\nfine,1\n"he said wow,1\nplain,0\n')
    await expect(collect({ path: file, textColumn: 'text', labelColumn: 'label' })).rejects.toThrow(
      `${file}: the quote opened on line 3 is never closed; import again with quoting off.`,
    )
  })

  it('lists rows with too few columns and refuses a column that does not exist', async () => {
    const file = join(tempDir(), 'short.csv')
    writeFileSync(file, 'text,label\nfine film,1\nno label here\nbad film,0\n')
    const { examples, problems } = await collect({ path: file, textColumn: 'text', labelColumn: 'label' })
    expect(examples).toHaveLength(2)
    expect(problems).toEqual([
      { where: `${file}:3`, message: 'line 3 has 1 column, but the label column is #1 (counting from 0); skipped' },
    ])
    await expect(collect({ path: file, textColumn: 'review' })).rejects.toThrow(
      `The text column "review" is not in ${file} (its columns: 0: text, 1: label); choose one of them.`,
    )
    await expect(collect({ path: file, labelColumn: 5 })).rejects.toThrow(`The label column #5 is not in ${file}`)
  })

  it('reads a gzipped CSV with a separate test file', async () => {
    const dir = tempDir()
    const rows = [
      ['text', 'label'],
      ['good', 'pos'],
      ['bad', 'neg'],
    ]
    const train = join(dir, 'train.csv.gz')
    writeFileSync(train, compress(Buffer.from('text,label\ngood,pos\nbad,neg\n'), 'gz'))
    const test = makeCsv(join(dir, 'test.csv'), rows)
    const { examples } = await collect({ path: train, testPath: test, textColumn: 'text', labelColumn: 'label' })
    expect(bySplitLabel(examples)).toEqual({ 'train/pos': 1, 'train/neg': 1, 'test/pos': 1, 'test/neg': 1 })
  })

  it('reads JSON Lines by key, listing lines without the key or not JSON', async () => {
    const file = makeJsonLines(join(tempDir(), 'reviews.jsonl'), [
      { review: 'great', stars: 5 },
      { review: 'poor', stars: 1 },
      { review: 'no stars' },
    ])
    writeFileSync(file, '{"review": "cut off', { flag: 'a' })
    const { examples, problems } = await collect({ path: file, textColumn: 'review', labelColumn: 'stars' })
    expect(examples.map((e) => [e.text, e.label, e.source])).toEqual([
      ['great', '5', `${file}:1`],
      ['poor', '1', `${file}:2`],
    ])
    expect(problems).toEqual([
      { where: `${file}:3`, message: 'line 3 has no "stars" (the label column); skipped' },
      { where: `${file}:4`, message: 'line 4: not a JSON object; fix or remove the line; skipped' },
    ])
  })
})

describe('line files', () => {
  it('reads one file per class, trimming the trailing spaces of rt-polarity, up to a limit per file', async () => {
    const { pos, neg } = makeLineFiles(tempDir(), 5)
    const classFiles = [
      { path: pos, className: 'pos' },
      { path: neg, className: 'neg' },
    ]
    const { examples, format } = await collect({ classFiles })
    expect(format).toBe('lines')
    expect(countBy(examples, (e) => e.label)).toEqual({ pos: 5, neg: 5 })
    expect(examples[0]).toEqual({
      text: 'a wonderful, moving film  Review number 0.',
      label: 'pos',
      split: null,
      source: pos,
      line: 1,
    })
    expect(countBy((await collect({ classFiles, limit: 2 })).examples, (e) => e.label)).toEqual({ pos: 2, neg: 2 })
  })

  it('decodes Windows-1252 and UTF-16LE files, and lists lines that are not UTF-8 when it is forced', async () => {
    const dir = tempDir()
    const pos = join(dir, 'pos.txt')
    const neg = join(dir, 'neg.txt')
    writeFileSync(pos, Buffer.from('it\x92s a caf\xe9 film\nplain ascii\n', 'latin1'))
    writeFileSync(neg, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('wide \u00e9\r\nsecond\r\n', 'utf16le')]))
    const classFiles = [
      { path: pos, className: 'pos' },
      { path: neg, className: 'neg' },
    ]
    const auto = await collect({ classFiles })
    expect(auto.examples.map((e) => e.text)).toEqual(['it’s a café film', 'plain ascii', 'wide é', 'second'])
    expect(auto.encodings).toEqual({ 'windows-1252': 1, 'utf-16le': 1 })
    const forced = await collect({ classFiles: [classFiles[0]!, classFiles[0]!], encoding: 'utf-8' })
    expect(forced.examples.map((e) => e.text)).toEqual(['plain ascii', 'plain ascii'])
    expect(forced.problems[0]).toEqual({
      where: `${pos}:1`,
      message: 'line 1: not valid utf-8 at byte 2; choose another encoding; skipped',
    })
  })

  it('refuses a class file with no examples', async () => {
    const dir = writeTree(tempDir(), { 'pos.txt': 'good\n', 'neg.txt': '\n  \n' })
    await expect(
      collect({
        classFiles: [
          { path: join(dir, 'pos.txt'), className: 'pos' },
          { path: join(dir, 'neg.txt'), className: 'neg' },
        ],
      }),
    ).rejects.toThrow(`${join(dir, 'neg.txt')} has no examples for the class "neg"`)
  })
})

describe('encodings', () => {
  it('tells UTF-8, BOMs, UTF-16 without a mark, Windows-1252 and Latin-1 apart, with a reason', () => {
    expect(detectEncoding(Buffer.from('plain'))).toMatchObject({ encoding: 'utf-8', bom: false })
    expect(detectEncoding(Buffer.from('caf\u00e9'))).toMatchObject({ encoding: 'utf-8', reason: 'valid UTF-8' })
    expect(detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toMatchObject({ encoding: 'utf-8', bom: true })
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]))).toMatchObject({
      encoding: 'utf-16be',
      bom: true,
      confidence: 1,
    })
    expect(detectEncoding(Buffer.from('a longer text in utf16 without a byte-order mark', 'utf16le'))).toMatchObject({
      encoding: 'utf-16le',
      bom: false,
    })
    expect(detectEncoding(Buffer.from([0x61, 0x92, 0x62]))).toEqual({
      encoding: 'windows-1252',
      confidence: 0.7,
      bom: false,
      reason: 'byte 0x92 at offset 1 is not valid UTF-8',
    })
    // 0x81 has no character in Windows-1252.
    expect(detectEncoding(Buffer.from([0x61, 0x81, 0xe9, 0x20]))).toMatchObject({ encoding: 'latin1' })
    // A multi-byte character cut at the end of a sample is still UTF-8.
    expect(detectEncoding(Buffer.from('caf\u00e9', 'utf8').subarray(0, 4)).encoding).toBe('utf-8')
  })

  it('decodes strictly: no replacement characters, the offset of a bad byte, no BOM', () => {
    expect(decode(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), 'utf-8')).toBe('hi')
    expect(decode(Buffer.from([0x92, 0xe9]), 'windows-1252')).toBe('’é')
    expect(decode(Buffer.from([0x92, 0xe9]), 'latin1')).toBe('\u0092é')
    const bad = (bytes: number[], encoding: 'utf-8' | 'windows-1252') => {
      try {
        decode(Buffer.from(bytes), encoding)
      } catch (err) {
        return err
      }
    }
    expect(bad([0x61, 0x62, 0xe9, 0x20], 'utf-8')).toEqual(new DecodeError('utf-8', 2))
    expect(bad([0x61, 0xc3], 'utf-8')).toMatchObject({ message: 'not valid utf-8 at byte 1; choose another encoding' })
    expect(bad([0x61, 0x81], 'windows-1252')).toMatchObject({ offset: 1 })
  })
})

describe('format detection', () => {
  it('names the format of folders, archives and files, and why', async () => {
    const dir = tempDir()
    const detect = (path: string) => detectFormat(spec({ path }))
    expect(await detect(makeAclImdbFolder(join(dir, 'aclImdb'), 1))).toMatchObject({ format: 'aclimdb' })
    const split = writeTree(join(dir, 'split'), {
      'train/pos/a.txt': 'x',
      'train/neg/a.txt': 'y',
      'test/pos/a.txt': 'z',
      'test/neg/a.txt': 'w',
    })
    expect(await detect(split)).toEqual({
      format: 'folder',
      reason: 'train/ and test/, each with a sub-folder per class',
    })
    expect(await detect(await makeAclImdbTarGz(join(dir, 'a.tar.gz'), 1))).toMatchObject({ format: 'aclimdb' })
    expect(await detect(makeFastText(join(dir, 'train.ft.txt'), fastTextLines(3)))).toMatchObject({
      format: 'fasttext',
      reason: 'lines start with __label__',
    })
    expect(await detect(makeCsv(join(dir, 'x.csv'), [['a', 'b']]))).toMatchObject({ format: 'delimited' })
    expect(await detect(makeJsonLines(join(dir, 'x.txt'), [{ a: 1, b: 2 }]))).toMatchObject({ format: 'delimited' })
    expect(
      await detect(
        makeCsv(
          join(dir, 'y.txt'),
          [
            ['good', 'pos'],
            ['bad', 'neg'],
          ],
          '\t',
        ),
      ),
    ).toEqual({
      format: 'delimited',
      reason: 'lines split into columns by tab',
    })
  })

  it('refuses a tar archive without aclImdb reviews and a file it cannot place', async () => {
    const dir = tempDir()
    const tar = join(dir, 'other.tar.gz')
    writeFileSync(tar, compress(Buffer.alloc(1024), 'gz'))
    await expect(detectFormat(spec({ path: tar }))).rejects.toThrow(
      `${tar} is a tar archive without aclImdb reviews (train|test/pos|neg/<id>_<rating>.txt); extract it and import the folder.`,
    )
    const prose = join(dir, 'prose.txt')
    writeFileSync(prose, 'just some words\nand more words\n')
    await expect(detectFormat(spec({ path: prose }))).rejects.toThrow(
      `${prose}: the first line neither starts with __label__ nor splits into columns`,
    )
  })
})

describe('preview', () => {
  it('shows every class of a folder, with raw labels and the encoding', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 30)
    const p = await previewSource(spec({ path: root }), 20)
    expect(p.format).toBe('aclimdb')
    expect(p.formatReason).toMatch(/aclImdb layout/)
    expect(p.encoding).toBe('utf-8')
    expect(bySplitLabel(p.examples)).toEqual({ 'train/neg': 5, 'train/pos': 5, 'test/neg': 5, 'test/pos': 5 })
    expect(p.labelsSeen).toEqual({ neg: 10, pos: 10 })
  })

  it('looks past the first class of an archive, and gives raw labels before mapping', async () => {
    const file = await makeAclImdbTarGz(join(tempDir(), 'aclImdb_v1.tar.gz'), 10)
    const p = await previewSource(spec({ path: file }), 8)
    expect(countBy(p.examples, (e) => e.label)).toEqual({ neg: 4, pos: 4 })
    const ft = makeFastText(join(tempDir(), 'ft.txt'), fastTextLines(20))
    const q = await previewSource(spec({ path: ft, labelMap: { '1': 'negative', '2': 'positive' } }), 6)
    expect(countBy(q.examples, (e) => e.label)).toEqual({ negative: 3, positive: 3 })
    expect(q.labelsSeen).toEqual({ '1': 3, '2': 3 })
  })
})
