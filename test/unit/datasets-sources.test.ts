import { describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openSource, previewSource } from '../../src/main/core/datasets/sources'
import { detectEncoding } from '../../src/main/core/datasets/encoding'
import type { RawExample } from '../../src/main/core/datasets/sources/types'
import { sourceSpecSchema, type SourceProblem } from '../../src/shared/datasets'
import { useTempDir } from '../fixtures/temp-dir'
import {
  fastTextLines,
  makeAclImdbFolder,
  makeAclImdbTarGz,
  makeCsv,
  makeFastText,
  makeLineFiles,
} from '../fixtures/dataset-files'

const tempDir = useTempDir()

async function collect(input: Record<string, unknown>) {
  const problems: SourceProblem[] = []
  const spec = sourceSpecSchema.parse(input)
  const opened = await openSource(spec, {
    signal: new AbortController().signal,
    problem: (p) => problems.push(p),
    progress: () => {},
  })
  const examples: RawExample[] = []
  for await (const e of opened.examples) examples.push(e)
  return { examples, problems, format: opened.format, encodings: opened.encodings() }
}

const countBy = (examples: RawExample[], key: (e: RawExample) => string) =>
  examples.reduce<Record<string, number>>((acc, e) => ((acc[key(e)] = (acc[key(e)] ?? 0) + 1), acc), {})

describe('aclImdb', () => {
  it('reads the folder with splits, labels and ratings, ignoring unsup, .feat and README', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 3)
    const { examples, problems, format } = await collect({ path: root })
    expect(format).toBe('aclimdb')
    expect(problems).toEqual([])
    expect(countBy(examples, (e) => `${e.split}/${e.label}`)).toEqual({
      'train/neg': 3,
      'train/pos': 3,
      'test/neg': 3,
      'test/pos': 3,
    })
    expect(examples[0]).toMatchObject({ source: 'train/neg/0_1.txt', rating: 1, split: 'train', label: 'neg' })
    expect(examples[0]!.text).toContain('<br /><br />')
  })

  it('streams the .tar.gz archive without extracting it', async () => {
    const file = await makeAclImdbTarGz(join(tempDir(), 'aclImdb_v1.tar.gz'), 4)
    const { examples, format } = await collect({ path: file })
    expect(format).toBe('aclimdb')
    expect(examples).toHaveLength(16)
    expect(countBy(examples, (e) => `${e.split}/${e.label}`)).toEqual({
      'test/neg': 4,
      'test/pos': 4,
      'train/neg': 4,
      'train/pos': 4,
    })
    expect(examples.find((e) => e.source === 'train/pos/2_8.txt')).toMatchObject({ rating: 8 })
  })

  it('stops on a truncated archive with a message naming it', async () => {
    const file = await makeAclImdbTarGz(join(tempDir(), 'aclImdb_v1.tar.gz'), 50)
    const bytes = readFileSync(file)
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1))
    await expect(collect({ path: file })).rejects.toThrow(
      new RegExp(`${file} looks truncated or corrupt.*download it again`),
    )
  })

  it('refuses a folder missing part of the layout', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 1)
    await expect(collect({ path: join(root, 'train'), format: 'aclimdb' })).rejects.toThrow(
      /is not in the aclImdb layout: train\/neg\/ is missing/,
    )
  })
})

describe('folder per label', () => {
  it('reads class sub-folders, skipping and listing empty and binary files', async () => {
    const root = tempDir()
    for (const c of ['happy', 'sad', 'meh']) {
      mkdirSync(join(root, c))
      writeFileSync(join(root, c, 'a.txt'), `${c} review`)
    }
    writeFileSync(join(root, 'sad', 'empty.txt'), '')
    writeFileSync(join(root, 'meh', 'photo.jpg'), Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37) % 256)))
    const { examples, problems } = await collect({ path: root, format: 'folder' })
    expect(examples.map((e) => e.label).sort()).toEqual(['happy', 'meh', 'sad'])
    expect(problems).toEqual([
      { where: 'meh/photo.jpg', message: 'looks like a binary file, not text; skipped' },
      { where: 'sad/empty.txt', message: 'the file is empty; skipped' },
    ])
  })

  it('reads train/ and test/ above the classes', async () => {
    const root = tempDir()
    for (const s of ['train', 'test'])
      for (const c of ['good', 'bad']) {
        mkdirSync(join(root, s, c), { recursive: true })
        writeFileSync(join(root, s, c, '1.txt'), `${c} ${s}`)
      }
    const { examples, format } = await collect({ path: root })
    expect(format).toBe('folder')
    expect(countBy(examples, (e) => `${e.split}/${e.label}`)).toEqual({
      'train/bad': 1,
      'train/good': 1,
      'test/bad': 1,
      'test/good': 1,
    })
  })

  it('refuses a folder with no class sub-folders, a class with no files, a path that is not a folder or does not exist', async () => {
    const root = tempDir()
    writeFileSync(join(root, 'reviews.txt'), 'x')
    await expect(collect({ path: root, format: 'folder' })).rejects.toThrow(
      `${root} has no class sub-folders; a folder dataset needs one sub-folder per class`,
    )
    mkdirSync(join(root, 'pos'))
    mkdirSync(join(root, 'neg'))
    writeFileSync(join(root, 'pos', '1.txt'), 'fine')
    await expect(collect({ path: root, format: 'folder' })).rejects.toThrow(
      `The class folder ${join(root, 'neg')} has no files`,
    )
    await expect(collect({ path: join(root, 'reviews.txt'), format: 'folder' })).rejects.toThrow(
      /is a file, not a folder/,
    )
    await expect(collect({ path: join(root, 'nope'), format: 'folder' })).rejects.toThrow(
      `${join(root, 'nope')} does not exist; check the path.`,
    )
  })

  it('reads each file in its own encoding and lists undecodable ones when an encoding is forced', async () => {
    const root = tempDir()
    for (const c of ['pos', 'neg']) mkdirSync(join(root, c))
    writeFileSync(join(root, 'pos', 'utf8.txt'), 'Caf\u00e9 \u2019great\u2019')
    writeFileSync(
      join(root, 'pos', 'bom.txt'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('with a BOM')]),
    )
    writeFileSync(
      join(root, 'neg', 'cp1252.txt'),
      Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x92, 0x62, 0x61, 0x64, 0x92]),
    ) // Café ’bad’
    writeFileSync(
      join(root, 'neg', 'utf16.txt'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('wide text', 'utf16le')]),
    )
    const auto = await collect({ path: root, format: 'folder' })
    const text = Object.fromEntries(auto.examples.map((e) => [e.source.split('/')[1], e.text]))
    expect(text).toEqual({
      'bom.txt': 'with a BOM',
      'utf8.txt': 'Café ’great’',
      'cp1252.txt': 'Café ’bad’',
      'utf16.txt': 'wide text',
    })
    expect(auto.encodings).toEqual({ 'utf-8': 2, 'windows-1252': 1, 'utf-16le': 1 })
    const forced = await collect({ path: root, format: 'folder', encoding: 'utf-8' })
    expect(forced.problems).toContainEqual({
      where: 'neg/cp1252.txt',
      message: 'is not valid utf-8 at byte 3; choose another encoding; skipped',
    })
  })

  it.skipIf(process.getuid?.() === 0)('names a file that cannot be read', async () => {
    const root = tempDir()
    for (const c of ['pos', 'neg']) {
      mkdirSync(join(root, c))
      writeFileSync(join(root, c, '1.txt'), 'text')
    }
    chmodSync(join(root, 'neg', '1.txt'), 0)
    const { problems } = await collect({ path: root, format: 'folder' })
    expect(problems[0]).toMatchObject({
      where: 'neg/1.txt',
      message: expect.stringMatching(/cannot be read \(EACCES\)/),
    })
  })
})

describe('fastText', () => {
  it('reads labels and text, plain, gzip and bzip2, up to a limit', async () => {
    const dir = tempDir()
    for (const compress of ['none', 'gz', 'bz2'] as const) {
      const file = makeFastText(
        join(dir, `train.ft.txt${compress === 'none' ? '' : `.${compress}`}`),
        fastTextLines(10),
        compress,
      )
      const { examples, format } = await collect({ path: file })
      expect(format).toBe('fasttext')
      expect(examples).toHaveLength(10)
      expect(examples[0]).toMatchObject({ label: '2', split: null, source: `${file}:1` })
      expect(examples[1]!.text).toMatch(/^terrible acting and a weak plot/)
      expect((await collect({ path: file, limit: 4 })).examples).toHaveLength(4)
    }
  })

  it('maps labels, takes a separate test file, and lists lines without a label or not in the mapping', async () => {
    const dir = tempDir()
    const lines = fastTextLines(6)
    lines[2] = 'no label on this line'
    lines[4] = '__label__3 a neutral one'
    const train = makeFastText(join(dir, 'train.txt'), lines)
    const test = makeFastText(join(dir, 'test.txt'), fastTextLines(2))
    const { examples, problems } = await collect({
      path: train,
      testPath: test,
      format: 'fasttext',
      labelMap: { '1': 'negative', '2': 'positive' },
    })
    expect(countBy(examples, (e) => `${e.split}/${e.label}`)).toEqual({
      'train/positive': 1,
      'train/negative': 3,
      'test/positive': 1,
      'test/negative': 1,
    })
    expect(problems).toEqual([
      { where: `${train}:3`, message: 'line 3 does not start with __label__; fix the line or set the label prefix' },
      {
        where: `${train}:5`,
        message: 'line 5: label "3" is not in the label mapping (1, 2); add it to the mapping or remove the example',
      },
    ])
  })

  it('stops on a truncated .gz or .bz2 with a message naming it', async () => {
    const dir = tempDir()
    for (const compress of ['gz', 'bz2'] as const) {
      const file = makeFastText(join(dir, `big.txt.${compress}`), fastTextLines(20_000), compress)
      const bytes = readFileSync(file)
      writeFileSync(file, bytes.subarray(0, bytes.length >> 1))
      await expect(collect({ path: file, format: 'fasttext' })).rejects.toThrow(
        new RegExp(`${file} looks truncated or corrupt`),
      )
    }
  })

  it('refuses an empty file by name', async () => {
    const file = join(tempDir(), 'empty.txt')
    writeFileSync(file, '')
    await expect(collect({ path: file, format: 'fasttext' })).rejects.toThrow(`${file} is empty; choose another file.`)
  })
})

describe('delimited', () => {
  it('detects the delimiter, the header and the columns of a CSV', async () => {
    const file = makeCsv(join(tempDir(), 'reviews.csv'), [
      ['id', 'review', 'sentiment'],
      ['1', 'A fine film, with "quotes" and commas', 'positive'],
      ['2', 'Not good at all, sadly', 'negative'],
      ['3', 'Lovely', 'positive'],
    ])
    const { examples, format } = await collect({ path: file })
    expect(format).toBe('delimited')
    expect(examples).toEqual([
      { text: 'A fine film, with "quotes" and commas', label: 'positive', split: null, source: `${file}:2` },
      { text: 'Not good at all, sadly', label: 'negative', split: null, source: `${file}:3` },
      { text: 'Lovely', label: 'positive', split: null, source: `${file}:4` },
    ])
  })

  it('reads a TSV without a header by column index, with star labels through a threshold', async () => {
    const file = makeCsv(
      join(tempDir(), 'stars.tsv'),
      [
        ['5', 'superb'],
        ['1', 'dreadful'],
        ['3', 'so-so'],
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
    expect(problems).toEqual([{ where: `${file}:3`, message: 'line 3: label 3 is left out by the mapping (neutral)' }])
  })

  it('reads unbalanced quotes with quoting off', async () => {
    const file = join(tempDir(), 'raw.csv')
    writeFileSync(file, 'text,label\nhe said "wow,1\nplain,0\n')
    const { examples } = await collect({ path: file, quoting: false, textColumn: 'text', labelColumn: 'label' })
    expect(examples.map((e) => e.text)).toEqual(['he said "wow', 'plain'])
  })

  it('lists rows with too few columns and refuses a column that does not exist', async () => {
    const file = join(tempDir(), 'short.csv')
    writeFileSync(file, 'text,label\nfine film,1\nno label here\nbad film,0\n')
    const { examples, problems } = await collect({ path: file, textColumn: 'text', labelColumn: 'label' })
    expect(examples).toHaveLength(2)
    expect(problems).toEqual([
      { where: `${file}:3`, message: 'line 3 has 1 column, but the label column is #1; skipped' },
    ])
    await expect(collect({ path: file, textColumn: 'review' })).rejects.toThrow(
      `The text column "review" is not in ${file} (its columns: 0: text, 1: label).`,
    )
  })

  it('reads JSON Lines by key', async () => {
    const file = join(tempDir(), 'reviews.jsonl')
    writeFileSync(
      file,
      ['{"review": "great", "stars": 5}', '{"review": "poor", "stars": 1}', '{"review": "no stars"}'].join('\n'),
    )
    const { examples, problems } = await collect({ path: file, textColumn: 'review', labelColumn: 'stars' })
    expect(examples.map((e) => [e.text, e.label])).toEqual([
      ['great', '5'],
      ['poor', '1'],
    ])
    expect(problems[0]).toMatchObject({ where: `${file}:3` })
  })
})

describe('line files', () => {
  it('reads one file per class, trimming the trailing spaces of rt-polarity', async () => {
    const { pos, neg } = makeLineFiles(tempDir(), 5)
    const { examples, format } = await collect({
      classFiles: [
        { path: pos, className: 'pos' },
        { path: neg, className: 'neg' },
      ],
    })
    expect(format).toBe('lines')
    expect(countBy(examples, (e) => e.label)).toEqual({ pos: 5, neg: 5 })
    expect(examples[0]!.text).not.toMatch(/\s$/)
  })

  it('decodes a Windows-1252 file and stops with advice when forced to UTF-8', async () => {
    const dir = tempDir()
    const pos = join(dir, 'pos.txt')
    const neg = join(dir, 'neg.txt')
    writeFileSync(pos, Buffer.from('it\x92s a caf\xe9 film\n', 'latin1'))
    writeFileSync(neg, 'plain ascii\n')
    const classFiles = [
      { path: pos, className: 'pos' },
      { path: neg, className: 'neg' },
    ]
    const { examples } = await collect({ classFiles })
    expect(examples[0]!.text).toBe('it’s a café film')
    await expect(collect({ classFiles, encoding: 'utf-8' })).rejects.toThrow(
      /not valid utf-8; import again choosing the file's encoding/,
    )
  })

  it('refuses a class file with no examples', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'pos.txt'), 'good\n')
    writeFileSync(join(dir, 'neg.txt'), '\n\n')
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

describe('encoding detection', () => {
  it('tells UTF-8, BOMs, UTF-16 without a mark and Windows-1252 apart, with a reason', () => {
    expect(detectEncoding(Buffer.from('plain'))).toMatchObject({ encoding: 'utf-8', bom: false })
    expect(detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]))).toMatchObject({ encoding: 'utf-16be', bom: true })
    expect(
      detectEncoding(Buffer.from('a longer text written in utf16 without a byte-order mark', 'utf16le')),
    ).toMatchObject({ encoding: 'utf-16le', bom: false })
    expect(detectEncoding(Buffer.from([0x61, 0x92, 0x62]))).toEqual({
      encoding: 'windows-1252',
      bom: false,
      reason: 'byte 0x92 at offset 1 is not valid UTF-8',
    })
    // A multi-byte character cut at the end of the sample is still UTF-8.
    expect(detectEncoding(Buffer.from('caf\u00e9', 'utf8').subarray(0, 4)).encoding).toBe('utf-8')
  })
})

describe('preview', () => {
  it('shows every class of a folder and the detected format', async () => {
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 30)
    const p = await previewSource(sourceSpecSchema.parse({ path: root }), 20)
    expect(p.format).toBe('aclimdb')
    expect(p.formatReason).toMatch(/aclImdb layout/)
    expect(Object.keys(p.labelsSeen).sort()).toEqual(['neg', 'pos'])
  })
})
