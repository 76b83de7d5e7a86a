/**
 * A serve-mode server per test, on a fresh data directory, started from the built CLI the way a user
 * starts it; the page is opened through the login exchange.
 */
import { test as base, expect } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Served {
  url: string
  origin: string
  token: string
  dataDir: string
}

async function startServer(dataDir: string): Promise<{ served: Served; child: ChildProcess }> {
  const child = spawn(process.execPath, ['out/main/cli.js', 'serve', '--port', '0', '--json', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()))
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString()
      if (out.includes('\n')) resolve(out.split('\n')[0]!)
    })
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
  })
  const info = JSON.parse(line) as { url: string; port: number; token: string }
  return { served: { url: info.url, origin: `http://127.0.0.1:${info.port}`, token: info.token, dataDir }, child }
}

export const test = base.extend<{ served: Served }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  served: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'studio-e2e-'))
    const { served, child } = await startServer(dataDir)
    await use(served)
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    rmSync(dataDir, { recursive: true, force: true })
  },
})

export { expect }
