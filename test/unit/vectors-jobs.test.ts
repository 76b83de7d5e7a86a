import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AppContext } from '../../src/main/core/app-context'
import type { VectorFileRecord, VectorInspection } from '../../src/shared/vectors'
import { useTempDir } from '../fixtures/temp-dir'
import { appContext, finished } from '../fixtures/app'
import { resultOf } from '../../src/shared/job-catalog'
import { refusedUrl, serveBody } from '../fixtures/network'
import { vectorLines, writeZip } from '../fixtures/vector-files'

const tempDir = useTempDir()
const context = (dataDir = tempDir()): AppContext => appContext(dataDir)

describe('vector jobs through the contract', () => {
  it('gets GloVe from the configured address, lists the zip members, and registers the one picked', async () => {
    const zip = join(tempDir(), 'glove.6B.zip')
    await writeZip(zip, {
      'glove.6B.50d.txt': vectorLines(['the', 'film'], 50).join('\n') + '\n',
      'glove.6B.100d.txt': vectorLines(['the', 'film'], 100).join('\n') + '\n',
    })
    const body = readFileSync(zip)
    const { url, server } = await serveBody(body, '/glove.6B.zip')
    const dataDir = tempDir()
    const ctx = context(dataDir)
    try {
      const md5 = createHash('md5').update(body).digest('hex')
      const job = await ctx.jobs.finished(await ctx.request('vectors.download', { url, md5 }))
      expect(job).toMatchObject({ status: 'succeeded', result: { path: join(dataDir, 'downloads', 'glove.6B.zip') } })
      const { path } = resultOf(job)
      expect(await ctx.invoke('vectors.members', { path })).toEqual({
        ok: true,
        result: {
          members: [
            { name: 'glove.6B.50d.txt', size: expect.any(Number) },
            { name: 'glove.6B.100d.txt', size: expect.any(Number) },
          ],
        },
      })
      const inspected = await finished(ctx, await ctx.invoke('vectors.inspect', { path, member: 'glove.6B.100d.txt' }))
      expect(inspected.result as VectorInspection).toMatchObject({ dim: 100, count: 2, member: 'glove.6B.100d.txt' })
      const added = await finished(ctx, await ctx.invoke('vectors.add', { path, member: 'glove.6B.100d.txt' }))
      expect(added.result as VectorFileRecord).toMatchObject({ member: 'glove.6B.100d.txt', dim: 100 })
      expect(await ctx.invoke('vectors.list', {})).toMatchObject({
        ok: true,
        result: [{ id: (added.result as VectorFileRecord).id }],
      })
      // Two members of one zip are two vector files: their fingerprints differ.
      const other = await finished(ctx, await ctx.invoke('vectors.add', { path, member: 'glove.6B.50d.txt' }))
      expect((other.result as VectorFileRecord).fingerprint).not.toBe((added.result as VectorFileRecord).fingerprint)
    } finally {
      server.close()
      await ctx.close()
    }
  })

  it('fails clearly offline and leaves no file', async () => {
    const dataDir = tempDir()
    const ctx = context(dataDir)
    const job = await finished(ctx, await ctx.invoke('vectors.download', { url: await refusedUrl('/glove.6B.zip') }))
    expect(job.status).toBe('failed')
    expect(job.error).toMatch(/Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/)
    expect(existsSync(join(dataDir, 'downloads')) ? readdirSync(join(dataDir, 'downloads')) : []).toEqual([])
    await ctx.close()
  })

  it('answers a path that is not readable with the field', async () => {
    const ctx = context()
    const answer = await ctx.invoke('vectors.members', { path: join(tempDir(), 'nope.zip') })
    expect(answer).toMatchObject({
      ok: false,
      error: { field: 'path', message: expect.stringContaining('cannot be read') },
    })
    await ctx.close()
  })
})
