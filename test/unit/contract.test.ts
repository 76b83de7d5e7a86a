import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createAppContext, type AppContext } from '../../src/main/core/app-context'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { requestNames } from '../../src/shared/contract'
import { useTempDir } from '../fixtures/temp-dir'
import { mkdirSync, writeFileSync } from 'node:fs'

const tempDir = useTempDir()

function context(): AppContext {
  return createAppContext({
    dataDir: tempDir(),
    launcher: new ForkLauncher(join(__dirname, '..', 'fixtures', 'test-worker.ts')),
    transport: 'serve',
  })
}

describe('contract validation', () => {
  it.each([
    ['jobs.get', { id: 42 }, 'id', /expected string/],
    ['jobs.get', {}, 'id', /expected string/],
    ['jobs.get', { id: '' }, 'id', /must not be empty/],
    ['jobs.list', { limit: 0 }, 'limit', /0|>=1|too small/i],
    ['jobs.list', { limit: 2.5 }, 'limit', /int/i],
    ['fs.list', { path: 'x', extra: true }, 'extra', /unrecognized/i],
    ['dialog.open', { kind: 'disk' }, 'kind', /file|folder|invalid/i],
    ['dialog.open', { kind: 'file', filters: [{ name: 'Text', extensions: [1] }] }, 'filters.0.extensions.0', /string/],
    ['datasets.preview', { source: { format: 'fasttext' } }, 'source.path', /required: the file or folder/],
    ['datasets.preview', { source: { format: 'lines', classFiles: [], path: 'x' } }, 'source.path', /unrecognized/i],
    ['datasets.import', { spec: { source: { format: 'lines' } } }, 'spec.source.classFiles', /required: one file per/],
    ['datasets.import', { spec: { source: { format: 'xml', path: 'x' } } }, 'spec.source.format', /"delimited"/],
  ])('rejects %s %j naming the field', async (name, payload, field, message) => {
    const ctx = context()
    const answer = await ctx.invoke(name, payload)
    expect(answer.ok).toBe(false)
    if (answer.ok) return
    expect(answer.error.code).toBe('invalid_payload')
    expect(answer.error.field).toBe(field)
    expect(answer.error.message).toMatch(message)
    expect(answer.error.message).toContain(name)
    await ctx.close()
  })

  it('rejects a payload that is not an object', async () => {
    const ctx = context()
    const answer = await ctx.invoke('jobs.get', 'job-1')
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_payload' } })
    await ctx.close()
  })

  it('rejects an unknown request by name', async () => {
    const ctx = context()
    expect(await ctx.invoke('jobs.drop', {})).toEqual({
      ok: false,
      error: { code: 'unknown_request', message: 'Unknown request "jobs.drop".' },
    })
    await ctx.close()
  })

  it('answers a valid request, and errors from services as structured errors', async () => {
    const ctx = context()
    expect(await ctx.invoke('jobs.list', {})).toEqual({ ok: true, result: [] })
    expect(await ctx.invoke('jobs.get', { id: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', field: 'id' },
    })
    expect(await ctx.invoke('dialog.open', { kind: 'file' })).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    })
    await ctx.close()
  })

  it('has a handler for every request it declares', async () => {
    const ctx = context()
    for (const name of requestNames) {
      const answer = await ctx.invoke(name, { __probe: true })
      // Every declared request reaches validation (strict schemas reject the extra key), none is unknown.
      expect(answer.ok ? 'ok' : answer.error.code).not.toBe('unknown_request')
    }
    await ctx.close()
  })
})

describe('the server-side picker (fs.list)', () => {
  it('lists folders first, then files with sizes, and hides dot files unless asked', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'train'))
    writeFileSync(join(dir, 'reviews.csv'), 'a,b\n')
    writeFileSync(join(dir, '.hidden'), '')
    const ctx = context()
    const answer = await ctx.invoke('fs.list', { path: dir })
    expect(answer.ok).toBe(true)
    if (!answer.ok) return
    expect(answer.result).toMatchObject({
      path: dir,
      entries: [
        { name: 'train', kind: 'folder', size: null },
        { name: 'reviews.csv', kind: 'file', size: 4 },
      ],
    })
    const all = await ctx.invoke('fs.list', { path: dir, showHidden: true })
    expect(all.ok && (all.result as { entries: unknown[] }).entries).toHaveLength(3)
    await ctx.close()
  })

  it('names a folder that does not exist', async () => {
    const ctx = context()
    const missing = join(tempDir(), 'nope')
    const answer = await ctx.invoke('fs.list', { path: missing })
    expect(answer).toMatchObject({ ok: false, error: { code: 'not_found', field: 'path' } })
    expect(!answer.ok && answer.error.message).toContain(`${missing} does not exist`)
    await ctx.close()
  })
})
