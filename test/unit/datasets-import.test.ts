import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AppContext } from '../../src/main/core/app-context'
import { readSplit, readVocabulary } from '../../src/main/core/datasets/store'
import type { DatasetPreview, DatasetSummary, ImportSpecInput } from '../../src/shared/datasets'
import { useTempDir } from '../fixtures/temp-dir'
import { appContext, finished, startedJobId } from '../fixtures/app'
import { resultOf } from '../../src/shared/job-catalog'
import { refusedUrl, serveBody } from '../fixtures/network'
import { fastTextLines, makeAclImdbFolder, makeAclImdbTarGz, makeFastText } from '../fixtures/dataset-files'

const tempDir = useTempDir()
const folders = (dataDir: string) =>
  existsSync(join(dataDir, 'datasets')) ? readdirSync(join(dataDir, 'datasets')) : []

const context = (dataDir = tempDir()): AppContext => appContext(dataDir)

async function importOk(ctx: AppContext, spec: ImportSpecInput): Promise<DatasetSummary> {
  return resultOf(await ctx.jobs.finished(await ctx.request('datasets.import', { spec })))
}

describe('importing a dataset', () => {
  it('imports aclImdb into a record and binary files, with the source splits, a validation split and the settings', async () => {
    const dataDir = tempDir()
    const ctx = context(dataDir)
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 10)
    const d = await importOk(ctx, {
      source: { path: root },
      preprocess: { lowercase: true },
      split: { valRatio: 0.2, seed: 3 },
    })
    expect(d).toMatchObject({
      format: 'aclimdb',
      classes: ['neg', 'pos'],
      counts: { train: 16, val: 4, test: 20 },
      classCounts: { train: [8, 8], val: [2, 2], test: [10, 10] },
      skipped: { count: 0 },
    })
    expect(d.settings.preprocess.lowercase).toBe(true)
    const list = await ctx.invoke('datasets.list', {})
    expect(list.ok && list.result).toEqual([d])
    const dir = join(dataDir, 'datasets', d.id)
    const vocab = await readVocabulary(dir)
    expect(vocab.slice(0, 2)).toEqual(['<pad>', '<unk>'])
    expect(vocab).toContain('wonderful')
    expect(vocab).not.toContain('Wonderful') // lowercased
    const train = await readSplit(dir, 'train')
    expect(train.labels).toHaveLength(16)
    expect(train.offsets).toHaveLength(17)
    await ctx.close()
  })

  it('builds the vocabulary from the training split only and honours min count and max size', async () => {
    const ctx = context()
    const file = makeFastText(join(tempDir(), 'train.txt'), fastTextLines(40))
    const test = makeFastText(join(tempDir(), 'test.txt'), ['__label__1 zebra zebra zebra', '__label__2 zebra unicorn'])
    const d = await importOk(ctx, { source: { path: file, testPath: test }, vocab: { minCount: 2, maxSize: 20 } })
    const vocab = await readVocabulary(join(ctx.dataDir, 'datasets', d.id))
    expect(vocab).toHaveLength(20)
    expect(vocab).not.toContain('zebra') // only in test
    expect(d.vocabSize).toBe(20)
    // Sources are kept as line numbers and written as file:line.
    const testSources = readFileSync(join(ctx.dataDir, 'datasets', d.id, 'test.sources.txt'), 'utf8')
    expect(testSources).toBe(`${test}:1\n${test}:2\n`)
    await ctx.close()
  })

  it('leaves no record and no files when the import fails', async () => {
    const dataDir = tempDir()
    const ctx = context(dataDir)
    const file = join(tempDir(), 'one-class.txt')
    writeFileSync(file, '__label__1 only one class here\n__label__1 and again\n')
    const answer = await ctx.invoke('datasets.import', { spec: { source: { path: file } } })
    const job = await finished(ctx, answer)
    expect(job.status).toBe('failed')
    expect(job.error).toMatch(/Only one class \("1"\) was found in .*one-class\.txt; a classifier needs two or more/)
    expect((await ctx.invoke('datasets.list', {})) as { result: unknown[] }).toMatchObject({ result: [] })
    expect(folders(dataDir)).toEqual([])
    await ctx.close()
  })

  it('leaves nothing behind when cancelled, and keeps datasets imported before', async () => {
    const dataDir = tempDir()
    const ctx = context(dataDir)
    const kept = await importOk(ctx, { source: { path: makeAclImdbFolder(join(tempDir(), 'small'), 3) } })
    const big = makeFastText(join(tempDir(), 'big.txt'), fastTextLines(300_000))
    const answer = await ctx.invoke('datasets.import', { spec: { source: { path: big } } })
    const id = startedJobId(answer)
    for (let i = 0; i < 200 && !ctx.jobs.running; i++) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 300))
    await ctx.invoke('jobs.cancel', { id })
    const job = await ctx.jobs.wait(id)
    expect(job.status).toBe('cancelled')
    expect(folders(dataDir)).toEqual([kept.id])
    const list = await ctx.invoke('datasets.list', {})
    expect(list.ok && (list.result as DatasetSummary[]).map((d) => d.id)).toEqual([kept.id])
    await ctx.close()
  })

  it('deletes a dataset with its files', async () => {
    const dataDir = tempDir()
    const ctx = context(dataDir)
    const d = await importOk(ctx, { source: { path: makeAclImdbFolder(join(tempDir(), 'a'), 2) } })
    expect(existsSync(join(dataDir, 'datasets', d.id))).toBe(true)
    expect(await ctx.invoke('datasets.delete', { id: d.id })).toEqual({ ok: true, result: { id: d.id } })
    expect(existsSync(join(dataDir, 'datasets', d.id))).toBe(false)
    expect(await ctx.invoke('datasets.get', { id: d.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found', field: 'id' },
    })
    await ctx.close()
  })

  it('previews a source with cleaning applied, for the wizard', async () => {
    const ctx = context()
    const root = makeAclImdbFolder(join(tempDir(), 'aclImdb'), 5)
    const answer = await ctx.invoke('datasets.preview', {
      source: { path: root },
      preprocess: { stripHtml: true, lowercase: true, clean: 'basic', tokenizer: 'word' },
    })
    expect(answer.ok).toBe(true)
    if (!answer.ok) return
    const preview = answer.result as DatasetPreview
    const row = preview.rows[0]!
    expect(row.text).toContain('<br />')
    expect(row.cleaned).not.toContain('<br />')
    expect(row.cleaned).toMatch(/review number 0\./)
    expect(row.tokens).toContain('review')
    expect(preview.labelsSeen).toEqual({ neg: 10, pos: 10 })
    const bad = await ctx.invoke('datasets.preview', { source: { path: join(root, 'nope') } })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'failed', field: 'source.path', message: expect.stringContaining('does not exist') },
    })
    await ctx.close()
  })
})

describe('getting the IMDB dataset', () => {
  it('downloads the archive from the configured address, keeps it in the data directory and imports it', async () => {
    const archive = await makeAclImdbTarGz(join(tempDir(), 'aclImdb_v1.tar.gz'), 5)
    const body = readFileSync(archive)
    const { url, server } = await serveBody(body, '/aclImdb_v1.tar.gz')
    const dataDir = tempDir()
    const ctx = context(dataDir)
    try {
      const md5 = createHash('md5').update(body).digest('hex')
      const answer = await ctx.invoke('datasets.download', { url, md5 })
      const job = await finished(ctx, answer)
      expect(job.error).toBeNull()
      expect(job.result).toMatchObject({ name: 'aclImdb', format: 'aclimdb', counts: { train: 8, val: 2, test: 10 } })
      expect(readFileSync(join(dataDir, 'downloads', 'aclImdb_v1.tar.gz')).equals(body)).toBe(true)
    } finally {
      server.close()
      await ctx.close()
    }
  })

  it('fails with a clear message when the address cannot be reached, leaving nothing', async () => {
    const dataDir = tempDir()
    const ctx = context(dataDir)
    const answer = await ctx.invoke('datasets.download', { url: await refusedUrl('/aclImdb_v1.tar.gz') })
    const job = await finished(ctx, answer)
    expect(job.status).toBe('failed')
    expect(job.error).toMatch(/Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\); check the network connection/)
    expect(existsSync(join(dataDir, 'downloads')) ? readdirSync(join(dataDir, 'downloads')) : []).toEqual([])
    expect(folders(dataDir)).toEqual([])
    await ctx.close()
  })
})
