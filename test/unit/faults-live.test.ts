/**
 * The fault suite's live part (`npm run test:faults`): a fixed corpus of malformed HTTP requests and
 * WebSocket frames against a real `serve` process, which must answer after each; and kill -9 at
 * several moments of a CLI import, after which the database passes `PRAGMA integrity_check`, the
 * history reads, and the next start marks the job interrupted and removes its folder.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import WebSocket from 'ws'
import { openDatabase } from '../../src/main/core/db/database'
import { raw } from '../fixtures/served'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')

function startCli(args: string[]): ChildProcess & { stdout: NodeJS.ReadableStream } {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  onTestFinished(() => void child.kill('SIGKILL'))
  return child as ChildProcess & { stdout: NodeJS.ReadableStream }
}

/** Opens the WebSocket, writes raw bytes on its socket (frames of our own making), and waits for the close. */
function wsRaw(base: string, token: string, bytes: Buffer | ((ws: WebSocket) => void)): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/ws?token=${token}`, { headers: { Origin: base } })
    ws.on('error', () => {})
    ws.on('close', () => resolve())
    ws.on('open', () => {
      if (typeof bytes === 'function') bytes(ws)
      else (ws as unknown as { _socket: NodeJS.WritableStream })._socket.write(bytes)
    })
    setTimeout(() => (ws.terminate(), resolve()), 3000)
  })
}

const upgrade =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'

describe('fault suite: a live serve process', () => {
  it('answers after every malformed request and frame of the corpus', async () => {
    const server = startCli(['serve', '--port', '0', '--json', '--data-dir', tempDir()])
    const first = await createInterface({ input: server.stdout })[Symbol.asyncIterator]().next()
    const { port, token } = JSON.parse(first.value as string) as { port: number; token: string }
    const base = `http://127.0.0.1:${port}`
    let exited = false
    server.on('exit', () => (exited = true))
    const alive = async () => (await fetch(`${base}/`, { headers: { Authorization: `Bearer ${token}` } })).status

    const http: [string, string | Buffer][] = [
      ['upgrade to an unparsable URL', `GET http://a:99999/api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgrade}\r\n`],
      ['request to an unparsable URL', 'GET http://a:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
      [
        'malformed cookie on an upgrade',
        `GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: studio_token=%E0%A4%A\r\n${upgrade}\r\n`,
      ],
      ['malformed %-encoding', `GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`],
      ['binary garbage', Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10])],
      ['oversized header', `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ${'a'.repeat(40_000)}\r\n\r\n`],
      ['foreign Host', `GET / HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${token}\r\n\r\n`],
      ['truncated request', 'GET / HTTP/1.1\r\nHost: 127.0'],
      ['body on POST', `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello`],
      ['bad chunked body', `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`],
    ]
    for (const [what, request] of http) {
      await raw(port, request)
      expect([what, exited]).toEqual([what, false])
      expect([what, await alive()]).toEqual([what, 404]) // no renderer built under tsx: 404, but answered
    }

    const frames: [string, Buffer | ((ws: WebSocket) => void)][] = [
      ['invalid UTF-8 text frame', (ws) => ws.send(Buffer.from([0x7b, 0xff, 0xfe]), { binary: false })],
      ['message over the 1 MiB limit', (ws) => ws.send(Buffer.alloc(2 << 20, 0x61), { binary: false })],
      ['reserved opcode', Buffer.from([0x83, 0x80, 1, 2, 3, 4])],
      ['unmasked client frame', Buffer.from([0x81, 0x01, 0x41])],
      ['RSV bits set', Buffer.from([0xf1, 0x80, 1, 2, 3, 4])],
      ['fragmented control frame', Buffer.from([0x09, 0x80, 1, 2, 3, 4])],
      ['64-bit length beyond the limit', Buffer.from([0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4])],
      ['JSON that is not a message', (ws) => (ws.send('null'), ws.send('{"type":"invoke","id":"x"}'), ws.close())],
    ]
    for (const [what, frame] of frames) {
      await wsRaw(base, token, frame)
      expect([what, exited]).toEqual([what, false])
      expect([what, await alive()]).toEqual([what, 404])
    }
  }, 120_000)
})

describe('fault suite: kill -9 during an import', () => {
  it.each([0, 500, 1500])(
    'leaves a sound database and history when killed %i ms into the import',
    async (delay) => {
      const dataDir = tempDir()
      const rows = Array.from(
        { length: 60_000 },
        (_, i) => `review ${i} was ${'good bad fine awful great '.repeat(8)},${i % 2 ? 'pos' : 'neg'}`,
      )
      const csv = join(tempDir(), 'reviews.csv')
      writeFileSync(csv, ['text,label', ...rows].join('\n'))
      // The database exists before the import starts, so each delay lands inside the import.
      expect(
        spawnSync(process.execPath, ['--import', 'tsx', cli, 'datasets', 'list', '--data-dir', dataDir]).status,
      ).toBe(0)
      const importing = startCli(['import', '--path', csv, '--data-dir', dataDir, '--json'])
      // Kill at `delay` ms into the running import job (its row says so), not during start-up.
      const watch = openDatabase(join(dataDir, 'studio.db'))
      const running = watch.prepare(`SELECT count(*) FROM jobs WHERE status = 'running'`).pluck()
      for (let i = 0; i < 300 && running.get() === 0; i++) await new Promise((r) => setTimeout(r, 50))
      expect(running.get()).toBe(1)
      watch.close()
      await new Promise((r) => setTimeout(r, delay))
      importing.kill('SIGKILL')
      await new Promise((r) => importing.once('exit', r))

      const db = openDatabase(join(dataDir, 'studio.db'))
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      db.close()
      const list = spawnSync(
        process.execPath,
        ['--import', 'tsx', cli, 'datasets', 'list', '--json', '--data-dir', dataDir],
        {
          encoding: 'utf8',
        },
      )
      expect(list.status).toBe(0)
      expect(Array.isArray(JSON.parse(list.stdout))).toBe(true)
      const after = openDatabase(join(dataDir, 'studio.db'))
      const jobs = after.prepare('SELECT status, error FROM jobs').all() as { status: string; error: string | null }[]
      after.close()
      expect(jobs).toHaveLength(1)
      expect(['interrupted', 'succeeded']).toContain(jobs[0]!.status)
      if (jobs[0]!.status === 'interrupted')
        expect(jobs[0]!.error).toMatch(/^Interrupted: .*stopped before it finished/)
      const datasets = join(dataDir, 'datasets')
      const leftovers = existsSync(datasets) ? readdirSync(datasets).filter((n) => n.startsWith('.import-')) : []
      expect(leftovers).toEqual([])
    },
    60_000,
  )
})
