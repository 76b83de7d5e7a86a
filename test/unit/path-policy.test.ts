/**
 * Serve mode's confinement: every path the contract marks lies in the roots chosen at start-up (no
 * "..", no symbolic link out, nothing absolute elsewhere), outputs included, and downloads go to
 * http(s) on other hosts only. One mechanism in the router, so the test goes through `invoke`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { createAppContext, type AppContext } from '../../src/main/core/app-context'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { checkDownloadUrl, isLocalAddress } from '../../src/main/core/security/download-guard'
import { confinedPolicy } from '../../src/main/core/security/path-policy'
import { requests } from '../../src/shared/contract'
import { pathFields } from '../../src/shared/path-fields'
import { readInput } from '../../src/main/core/scoring/inputs'
import { makeAclImdbFolder, makeCsv, writeTree } from '../fixtures/dataset-files'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const worker = join(__dirname, '..', '..', 'src', 'main', 'worker', 'index.ts')
let ctx: AppContext | null = null
afterEach(async () => {
  await ctx?.close()
  ctx = null
})

function confined() {
  const root = tempDir()
  const outside = tempDir()
  const dataDir = tempDir()
  ctx = createAppContext({
    dataDir,
    launcher: new ForkLauncher(worker),
    transport: 'serve',
    pathPolicy: confinedPolicy({ roots: [root, dataDir] }),
  })
  const rows = Array.from({ length: 20 }, (_, i) => [
    `review number ${i} was ${i % 2 ? 'good' : 'bad'}`,
    i % 2 ? 'pos' : 'neg',
  ])
  const inside = makeCsv(join(root, 'reviews.csv'), [['text', 'label'], ...rows])
  const secret = makeCsv(join(outside, 'secret.csv'), [['text', 'label'], ...rows])
  return { ctx, root, outside, dataDir, inside, secret }
}

const preview = (path: string) => ({ source: { format: 'delimited' as const, path } })

describe('confined paths (serve mode)', () => {
  it('reads a file inside a root', async () => {
    const { ctx, inside } = confined()
    expect(await ctx.invoke('datasets.preview', preview(inside))).toMatchObject({ ok: true })
  })

  it.each([
    ['an absolute path outside the roots', (s: ReturnType<typeof confined>) => s.secret, /outside the folders/],
    ['"/etc/passwd"', () => '/etc/passwd', /outside the folders/],
    ['".." out of a root', (s: ReturnType<typeof confined>) => `${s.root}/../${s.secret}`, /may not contain ".."/],
    ['a relative path', () => 'reviews.csv', /absolute path/],
  ])('refuses %s, naming the field', async (_what, pick, message) => {
    const setup = confined()
    const answer = await setup.ctx.invoke('datasets.preview', preview(pick(setup)))
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden', field: 'source.path' } })
    expect(!answer.ok && answer.error.message).toMatch(message)
  })

  it('refuses a symbolic link inside a root that leads out of it', async () => {
    const { ctx, root, secret, outside } = confined()
    symlinkSync(secret, join(root, 'link.csv'))
    symlinkSync(outside, join(root, 'door'))
    for (const path of [join(root, 'link.csv'), join(root, 'door', 'secret.csv')])
      expect(await ctx.invoke('datasets.preview', preview(path))).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      })
  })

  it('checks every marked field: class files, fs.list, vectors, and the output of fixHeader', async () => {
    const { ctx, root, outside, inside } = confined()
    const lines = await ctx.invoke('datasets.import', {
      spec: {
        source: {
          format: 'lines',
          classFiles: [
            { path: inside, className: 'a' },
            { path: join(outside, 'b.txt'), className: 'b' },
          ],
        },
      },
    })
    expect(lines).toMatchObject({ ok: false, error: { code: 'forbidden', field: 'spec.source.classFiles.1.path' } })
    expect(await ctx.invoke('fs.list', { path: '/' })).toMatchObject({ ok: false, error: { field: 'path' } })
    expect(await ctx.invoke('fs.list', { path: root })).toMatchObject({ ok: true })
    expect(await ctx.invoke('vectors.members', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
    const vectors = join(root, 'vectors.txt')
    writeFileSync(vectors, 'good 0.1 0.2\n')
    expect(await ctx.invoke('vectors.fixHeader', { path: vectors, out: join(outside, 'x.txt') })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', field: 'out' },
    })
    mkdirSync(join(root, 'out'))
    const fixed = await ctx.invoke('vectors.fixHeader', { path: vectors, out: join(root, 'out', 'fixed.txt') })
    expect(fixed).toMatchObject({ ok: true })
    if (fixed.ok) await ctx.jobs.wait((fixed.result as { id: string }).id)
  })

  it('refuses downloads from this machine and its link, and anything but http(s)', async () => {
    const { ctx } = confined()
    for (const url of [
      'http://127.0.0.1:9/a.zip',
      'http://[::1]/a.zip',
      'http://169.254.169.254/latest',
      'http://localhost/x',
    ])
      expect(await ctx.invoke('vectors.download', { url })).toMatchObject({
        ok: false,
        error: { code: 'forbidden', field: 'url' },
      })
    expect(await ctx.invoke('datasets.download', { url: 'http://127.0.0.2/aclImdb.tar.gz' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', field: 'url' },
    })
    expect(await checkDownloadUrl('ftp://example.com/x', false)).toMatch(/only http and https/)
    expect(await checkDownloadUrl('http://127.0.0.1/x', true)).toBeNull()
    expect(await checkDownloadUrl('http://93.184.216.34/x', false)).toBeNull()
    expect(['::ffff:127.0.0.1', 'fe80::1', '0.0.0.0', '10.0.0.1'].map(isLocalAddress)).toEqual([
      true,
      true,
      true,
      false,
    ])
  })

  it('leaves the desktop app and the CLI unrestricted', async () => {
    ctx = createAppContext({ dataDir: tempDir(), launcher: new ForkLauncher(worker), transport: 'cli' })
    expect(await ctx.invoke('fs.list', { path: '/' })).toMatchObject({ ok: true })
  })
})

describe('symbolic links inside an allowed folder (serve mode)', () => {
  const secretText = 'the secret review that lives outside the roots'

  it('does not follow an aclImdb split or class folder that links out of the named folder', async () => {
    const { ctx, root, outside } = confined()
    const imdb = makeAclImdbFolder(join(root, 'aclImdb'), 3)
    const stolen = makeAclImdbFolder(join(outside, 'aclImdb'), 3)
    writeFileSync(join(stolen, 'train', 'pos', '0_9.txt'), secretText)
    rmSync(join(imdb, 'train'), { recursive: true })
    symlinkSync(join(stolen, 'train'), join(imdb, 'train'))
    const source = { format: 'aclimdb' as const, path: imdb }
    const shown = await ctx.invoke('datasets.preview', { source })
    expect(shown).toMatchObject({ ok: false })
    expect(!shown.ok && shown.error.message).toMatch(/train\/neg is a symbolic link out of .*aclImdb/)
    expect(JSON.stringify(shown)).not.toContain(secretText)
    const job = await ctx.request('datasets.import', { spec: { source } })
    const done = await ctx.jobs.wait(job.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/symbolic link out of/)
  })

  it('leaves out review files and folders that are links, in folder imports and score folders', async () => {
    const { ctx, root, outside } = confined()
    const secret = join(outside, 'secret.txt')
    writeFileSync(secret, secretText)
    writeTree(join(outside, 'more'), { 'a.txt': secretText })
    const folder = writeTree(join(root, 'reviews'), {
      'pos/1.txt': 'a fine film',
      'pos/2.txt': 'a great film',
      'neg/1.txt': 'a dull film',
      'neg/2.txt': 'an awful film',
    })
    symlinkSync(secret, join(folder, 'pos', '3.txt'))
    symlinkSync(join(outside, 'more'), join(folder, 'neg', 'more'))
    symlinkSync(join(outside, 'more'), join(folder, 'more'))
    const shown = await ctx.request('datasets.preview', { source: { format: 'folder', path: folder } })
    expect(shown.rows.map((r) => r.text).sort()).toEqual([
      'a dull film',
      'a fine film',
      'a great film',
      'an awful film',
    ])
    const scored: string[] = []
    for await (const item of readInput(
      { format: 'folder', path: folder, extensions: ['.txt'], encoding: 'auto' },
      () => {},
    ))
      scored.push('text' in item ? item.text : item.skip)
    expect(scored.sort()).toEqual(['a dull film', 'a fine film', 'a great film', 'an awful film'])
  })
})

describe('the contract marks its paths', () => {
  /** Every string field named like a path or address, in every request, must carry the mark. */
  it('has no unmarked path, out, file, folder, dir or url field', () => {
    const unmarked: string[] = []
    const visit = (s: z.core.$ZodType, name: string) => {
      if (s instanceof z.ZodString) {
        if (/(^|\.)(path|out|file|folder|dir|url)s?$/i.test(name) && !pathFields.has(s)) unmarked.push(name)
      } else if (s instanceof z.ZodObject) for (const [k, c] of Object.entries(s.shape)) visit(c, `${name}.${k}`)
      else if (s instanceof z.ZodArray) visit(s.element, name)
      else if (s instanceof z.ZodUnion) for (const o of s.options) visit(o, name)
      else if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable)
        visit(s.unwrap(), name)
      else if (s instanceof z.ZodPipe) visit(s.in, name)
    }
    for (const [name, r] of Object.entries(requests)) visit(r.payload, name)
    expect(unmarked).toEqual([])
  })
})
