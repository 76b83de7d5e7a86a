import { afterEach, describe, expect, it } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { download } from '../../src/main/core/downloads/download'
import { useTempDir } from '../fixtures/temp-dir'
import { refusedUrl } from '../fixtures/network'

const tempDir = useTempDir()
const servers: Server[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

/** A loopback server for one file, with Range support; `cutAfter` breaks the first response off. */
async function serveFile(body: Buffer, options: { cutAfter?: number } = {}) {
  const seen: (string | undefined)[] = []
  let cut = options.cutAfter
  const server = createServer((req, res) => {
    seen.push(req.headers.range)
    const start = Number(req.headers.range?.match(/bytes=(\d+)-/)?.[1] ?? 0)
    const part = body.subarray(start)
    res.writeHead(start > 0 ? 206 : 200, { 'Content-Length': part.length, 'Accept-Ranges': 'bytes' })
    if (cut !== undefined) {
      res.write(part.subarray(0, cut))
      cut = undefined
      setTimeout(() => res.destroy(), 20)
      return
    }
    res.end(part)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/aclImdb_v1.tar.gz`, seen }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const noSignal = () => new AbortController().signal

describe('download', () => {
  it('downloads with progress and checks the checksum', async () => {
    const body = randomBytes(300_000)
    const { url } = await serveFile(body)
    const dest = join(tempDir(), 'a.tar.gz')
    const seen: number[] = []
    const r = await download({ url, dest, md5: md5(body), signal: noSignal(), progress: (d) => seen.push(d) })
    expect(r).toMatchObject({ path: dest, bytes: body.length, resumed: false })
    expect(readFileSync(dest).equals(body)).toBe(true)
    expect(seen.at(-1)).toBe(body.length)
  })

  it('resumes a download that broke off, with a Range request', async () => {
    const body = randomBytes(400_000)
    const { url, seen } = await serveFile(body, { cutAfter: 150_000 })
    const dir = tempDir()
    const dest = join(dir, 'a.tar.gz')
    await expect(download({ url, dest, signal: noSignal(), progress: () => {} })).rejects.toThrow(
      /broke off after \d+ bytes.*resume/,
    )
    expect(existsSync(`${dest}.part`)).toBe(true)
    const r = await download({ url, dest, md5: md5(body), signal: noSignal(), progress: () => {} })
    expect(r.resumed).toBe(true)
    expect(seen[1]).toMatch(/^bytes=\d+-$/)
    expect(readFileSync(dest).equals(body)).toBe(true)
    expect(readdirSync(dir)).toEqual(['a.tar.gz'])
  })

  it('removes a file whose checksum does not match, and says so', async () => {
    const { url } = await serveFile(randomBytes(1000))
    const dir = tempDir()
    await expect(
      download({ url, dest: join(dir, 'a.tar.gz'), md5: '0'.repeat(32), signal: noSignal(), progress: () => {} }),
    ).rejects.toThrow(/does not match its checksum/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('fails clearly without network and leaves nothing behind', async () => {
    const dir = tempDir()
    const url = await refusedUrl('/aclImdb_v1.tar.gz')
    const port = new URL(url).port
    await expect(
      download({
        url,
        dest: join(dir, 'a.tar.gz'),
        signal: noSignal(),
        progress: () => {},
      }),
    ).rejects.toThrow(
      new RegExp(`Could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check the network connection`),
    )
    expect(readdirSync(dir)).toEqual([])
  })
})
