/**
 * Serve mode's downloads after the request's first check: every redirect hop is checked again, and
 * the address a name resolves to is checked when the socket connects (DNS rebinding), with real
 * local servers. The first hop is a server on this machine's non-loopback address, which the guard
 * lets through; it redirects to loopback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAppContext, type AppContext } from '../../src/main/core/app-context'
import { download } from '../../src/main/core/downloads/download'
import { ForkLauncher } from '../../src/main/core/jobs/launcher'
import { confinedPolicy } from '../../src/main/core/security/path-policy'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const worker = join(__dirname, '..', '..', 'src', 'main', 'worker', 'index.ts')
const servers: Server[] = []
let ctx: AppContext | null = null
afterEach(async () => {
  for (const s of servers.splice(0)) s.close()
  await ctx?.close()
  ctx = null
})

/** This machine's first non-loopback, non-link-local IPv4 address (none on some sandboxes). */
const publicAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))?.address

/** A server on `host` answering `handler`; its base URL and the paths it was asked for. */
async function serve(host: string, handler: (path: string) => { status: number; headers?: Record<string, string> }) {
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url!)
    const { status, headers } = handler(req.url!)
    res.writeHead(status, headers).end(status === 200 ? 'the file' : '')
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, host, r))
  return { base: `http://${host}:${(server.address() as AddressInfo).port}`, asked }
}

const fetchTo = (url: string, dir: string, publicOnly: boolean) =>
  download({ url, dest: join(dir, 'f.zip'), publicOnly, signal: new AbortController().signal, progress: () => {} })

describe('download guard', () => {
  it('refuses a loopback address named in the URL, and a name that resolves to loopback at connect time', async () => {
    const local = await serve('127.0.0.1', () => ({ status: 200 }))
    const port = new URL(local.base).port
    const dir = tempDir()
    await expect(fetchTo(`${local.base}/f.zip`, dir, true)).rejects.toThrow(
      /127\.0\.0\.1:\d+ is this machine or its local link \(127\.0\.0\.1\).*--allow-local-downloads/,
    )
    // No check before the request: only the connection's own lookup sees "localhost".
    await expect(fetchTo(`http://localhost:${port}/f.zip`, dir, true)).rejects.toThrow(
      /localhost is this machine or its local link \((127\.0\.0\.1|::1)\)/,
    )
    expect(local.asked).toEqual([])
    expect(readdirSync(dir)).toEqual([])
  })

  it.skipIf(!publicAddress)('checks every redirect hop: loopback by address or by name is refused', async () => {
    const local = await serve('127.0.0.1', () => ({ status: 200 }))
    const port = new URL(local.base).port
    const targets: Record<string, string> = {
      '/by-address': `${local.base}/f.zip`,
      '/by-name': `http://localhost:${port}/f.zip`,
      '/relative-chain': '/by-address',
      '/metadata': 'http://169.254.169.254/latest/meta-data/',
      '/file-scheme': 'file:///etc/passwd',
    }
    const front = await serve(publicAddress!, (path) => ({ status: 302, headers: { Location: targets[path]! } }))
    const dir = tempDir()
    for (const path of ['/by-address', '/by-name', '/relative-chain', '/metadata'])
      await expect(fetchTo(`${front.base}${path}`, dir, true), path).rejects.toThrow(
        /is this machine or its local link/,
      )
    await expect(fetchTo(`${front.base}/file-scheme`, dir, true)).rejects.toThrow(/only http and https/)
    expect(local.asked).toEqual([])
    // Unguarded (the desktop app, the CLI, --allow-local-downloads), the same redirect is followed.
    await fetchTo(`${front.base}/by-address`, dir, false)
    expect(readFileSync(join(dir, 'f.zip'), 'utf8')).toBe('the file')
    expect(local.asked).toEqual(['/f.zip'])
  })

  it.skipIf(!publicAddress)('applies serve mode’s policy inside the download job', async () => {
    const local = await serve('127.0.0.1', () => ({ status: 200 }))
    const front = await serve(publicAddress!, () => ({ status: 307, headers: { Location: `${local.base}/glove.zip` } }))
    const dataDir = tempDir()
    ctx = createAppContext({
      dataDir,
      launcher: new ForkLauncher(worker),
      transport: 'serve',
      pathPolicy: confinedPolicy({ roots: [dataDir] }),
    })
    // The request's own check passes (the front server is not local); the job refuses the redirect.
    const job = await ctx.request('vectors.download', { url: `${front.base}/glove.zip` })
    const done = await ctx.jobs.wait(job.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/127\.0\.0\.1:\d+ is this machine or its local link/)
    expect(local.asked).toEqual([])
  })
})
