import { describe, expect, it } from 'vitest'
import { parseArgs } from 'node:util'
import { importOptions, importSpecFromFlags, importUsage } from '../../src/main/cli/commands/import'
import { columnText, parseColumn } from '../../src/shared/columns'
import { importDefaults, sourceFormats, sourcePaths, sourceSpecSchema } from '../../src/shared/datasets'

/** The flags as the CLI parses them. */
const flags = (...args: string[]) =>
  importSpecFromFlags(parseArgs({ args, options: importOptions, strict: true }).values)

describe('import settings: one home for every default', () => {
  it('the CLI with no setting flags gives the schema defaults', () => {
    expect(flags('--path', 'reviews.csv')).toEqual({
      ...importDefaults,
      source: { ...importDefaults.source, path: 'reviews.csv' },
    })
  })

  it('lowercases by default, as aclImdb, Amazon fastText, rt-polarity and tweet models expect', () => {
    expect(importDefaults.preprocess.lowercase).toBe(true)
  })

  it.each([
    ['--lowercase', { preprocess: { lowercase: true } }],
    ['--no-lowercase', { preprocess: { lowercase: false } }],
    ['--strip-html', { preprocess: { stripHtml: true } }],
    ['--no-strip-html', { preprocess: { stripHtml: false } }],
    ['--keep-html', { preprocess: { stripHtml: false } }],
    ['--quoting', { source: { quoting: true } }],
    ['--no-quoting', { source: { quoting: false } }],
    ['--header', { source: { header: true } }],
    ['--no-header', { source: { header: false } }],
    ['--stratified', { split: { stratified: true } }],
    ['--no-stratified', { split: { stratified: false } }],
  ])('%s sets the setting', (flag, expected) => {
    expect(flags('--path', 'x', flag)).toMatchObject(expected)
  })

  it('leaves --header out to detect it, and refuses a flag with its negation', () => {
    expect(flags('--path', 'x').source.header).toBeUndefined()
    expect(() => flags('--path', 'x', '--lowercase', '--no-lowercase')).toThrow(
      '--lowercase and --no-lowercase contradict each other.',
    )
  })

  it('names the flag at fault', () => {
    expect(() => flags('--path', 'x', '--format', 'xml')).toThrow(/^--format: Invalid option: expected one of "auto"/)
    expect(() => flags('--path', 'x', '--max-len', '0')).toThrow(/^--max-len: /)
    expect(() => flags('--format', 'lines', '--path', 'a', '--path', 'b', '--class-names', 'pos')).toThrow(
      /one --path per class/,
    )
  })

  it('--help shows the schema defaults', () => {
    const d = importDefaults
    expect(importUsage).toContain(`--lowercase | --no-lowercase (default ${d.preprocess.lowercase ? 'on' : 'off'})`)
    expect(importUsage).toContain(`--max-len N (default ${d.sequence.maxLen})`)
    expect(importUsage).toContain(`--val-ratio R (default ${d.split.valRatio})`)
    expect(importUsage).toContain(`--label-prefix S        fastText (default ${d.source.labelPrefix})`)
    expect(importUsage).toContain(`auto|${sourceFormats.join('|')} (default ${d.source.format})`)
  })
})

describe('the column parser the wizard and the CLI share', () => {
  it('reads digits as a 0-based index, other text as a header name, empty as detect', () => {
    expect(parseColumn('2')).toBe(2)
    expect(parseColumn('0')).toBe(0)
    expect(parseColumn('review')).toBe('review')
    expect(parseColumn('col 2')).toBe('col 2')
    expect(parseColumn('-1')).toBe('-1')
    expect(parseColumn('')).toBeUndefined()
    expect(parseColumn(null)).toBeUndefined()
    expect(parseColumn(undefined)).toBeUndefined()
  })

  it('names each column so the parser reads it back, even a header named in digits', () => {
    const columns = ['stars', '2024', 'text']
    expect(columns.map((_, i) => columnText(columns, i, true))).toEqual(['stars', '1', 'text'])
    expect(columns.map((_, i) => columnText(columns, i, false))).toEqual(['0', '1', '2'])
    for (const header of [true, false])
      for (const [i, name] of columns.entries()) {
        const parsed = parseColumn(columnText(columns, i, header))
        expect(typeof parsed === 'number' ? parsed : columns.indexOf(parsed!)).toBe(i)
        if (typeof parsed === 'string') expect(parsed).toBe(name)
      }
  })

  it('gives the CLI the same reading', () => {
    expect(flags('--path', 'x', '--text-column', '3', '--label-column', 'sentiment').source).toMatchObject({
      textColumn: 3,
      labelColumn: 'sentiment',
    })
  })
})

describe('source specs by format', () => {
  const issue = (input: unknown) => {
    const r = sourceSpecSchema.safeParse(input)
    return r.success ? null : { field: r.error.issues[0]!.path.join('.'), message: r.error.issues[0]!.message }
  }

  it.each(['aclimdb', 'folder', 'fasttext', 'delimited'])('%s needs a path and names it', (format) => {
    expect(issue({ format })).toEqual({ field: 'path', message: 'required: the file or folder to import' })
    expect(issue({ format, path: '' })).toMatchObject({ field: 'path' })
    expect(issue({ format, classFiles: [{ path: 'a', className: 'pos' }], path: 'x' })).toMatchObject({
      message: 'Unrecognized key: "classFiles"',
    })
  })

  it('lines needs the class files and takes no path', () => {
    expect(issue({ format: 'lines' })).toEqual({
      field: 'classFiles',
      message: 'required: one file per class, each with its class name',
    })
    expect(issue({ format: 'lines', classFiles: [{ path: 'a' }] })).toMatchObject({ field: 'classFiles.0.className' })
    expect(issue({ format: 'lines', classFiles: [], path: 'x' })).toMatchObject({ message: 'Unrecognized key: "path"' })
  })

  it('names the formats for an unknown one, and defaults to auto', () => {
    expect(issue({ format: 'xml', path: 'x' })).toEqual({
      field: 'format',
      message: 'Invalid option: expected one of "auto"|"aclimdb"|"folder"|"fasttext"|"delimited"|"lines"|"treebank"',
    })
    expect(sourceSpecSchema.parse({ path: 'x' })).toEqual({ ...importDefaults.source, path: 'x' })
  })

  it('keeps the stored JSON shape: every option is accepted by every format', () => {
    const stored = {
      format: 'aclimdb',
      path: '/data/aclImdb',
      encoding: 'auto',
      labelPrefix: '__label__',
      quoting: true,
      phrases: true,
    }
    expect(sourceSpecSchema.parse(stored)).toEqual(stored)
  })

  it('lists the paths a source reads', () => {
    const classFiles = [
      { path: 'rt-polarity.pos', className: 'pos' },
      { path: 'rt-polarity.neg', className: 'neg' },
    ]
    expect(sourcePaths(sourceSpecSchema.parse({ format: 'lines', classFiles }))).toEqual([
      'rt-polarity.pos',
      'rt-polarity.neg',
    ])
    expect(sourcePaths(sourceSpecSchema.parse({ classFiles }))).toEqual(['rt-polarity.pos', 'rt-polarity.neg'])
    expect(sourcePaths(sourceSpecSchema.parse({ format: 'fasttext', path: 'train.ft.txt' }))).toEqual(['train.ft.txt'])
  })
})
