/**
 * Serve mode against malformed and hostile requests: each one ends its own connection (with a status
 * where HTTP can still answer) and the server goes on answering. An uncaught error here would fail
 * the test run, as it would have killed `serve`.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { openSocket, raw, useServer } from '../fixtures/served'

const serve = useServer()

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.on('error', () => {})
    ws.once('close', (code) => resolve(code))
  })
}

const upgradeHeaders =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'

describe('serve mode under malformed requests', () => {
  it('answers 400 to an upgrade whose URL cannot be parsed (no token needed), and goes on', async () => {
    const { server, alive } = await serve()
    const reply = await raw(
      server.port,
      `GET http://a:99999/api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgradeHeaders}\r\n`,
    )
    expect(reply).toMatch(/^HTTP\/1.1 400/)
    expect(await alive()).toBe(200)
  })

  it('answers 400 to an HTTP request whose URL cannot be parsed', async () => {
    const { server, alive } = await serve()
    const reply = await raw(server.port, `GET http://a:99999/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    expect(reply).toMatch(/^HTTP\/1.1 400/)
    expect(await alive()).toBe(200)
  })

  it('answers 400 to a malformed percent-encoding in a static path', async () => {
    const { origin, server, alive } = await serve()
    const r = await fetch(`${origin}/%E0%A4%A`, { headers: { Authorization: `Bearer ${server.token}` } })
    expect(r.status).toBe(400)
    expect(await alive()).toBe(200)
  })

  it('survives a malformed cookie on an upgrade and on a request', async () => {
    const { server, alive } = await serve()
    const reply = await raw(
      server.port,
      `GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: studio_token=%E0%A4%A\r\n${upgradeHeaders}\r\n`,
    )
    expect(reply).toMatch(/^HTTP\/1.1 401/)
    expect(await raw(server.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: studio_token=%\r\n\r\n`)).toMatch(
      /^HTTP\/1.1 401/,
    )
    expect(await alive()).toBe(200)
  })

  it('answers 400 to garbage and to oversized headers', async () => {
    const { server, alive } = await serve()
    expect(await raw(server.port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]))).toMatch(/^HTTP\/1.1 400/)
    expect(await raw(server.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ${'a'.repeat(40_000)}\r\n\r\n`)).toMatch(
      /^HTTP\/1.1 431/,
    )
    expect(await alive()).toBe(200)
  })

  it('closes a WebSocket that sends an oversized message (1009) and goes on', async () => {
    const { origin, server, alive } = await serve()
    const ws = await openSocket(`${origin.replace('http', 'ws')}/api/ws?token=${server.token}`, origin)
    const code = closed(ws)
    ws.send(Buffer.alloc(16 * 1024 * 1024 + 1024, 0x61), { binary: false })
    expect(await code).toBe(1009)
    expect(await alive()).toBe(200)
  })

  it('closes a WebSocket that sends invalid UTF-8 (1007) and goes on', async () => {
    const { origin, server, alive } = await serve()
    const ws = await openSocket(`${origin.replace('http', 'ws')}/api/ws?token=${server.token}`, origin)
    const code = closed(ws)
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect(await code).toBe(1007)
    expect(await alive()).toBe(200)
  })

  it('refuses a Host that is not the server (DNS rebinding), on HTTP and on the WebSocket', async () => {
    const { server, alive } = await serve()
    const auth = `Authorization: Bearer ${server.token}\r\n`
    expect(await raw(server.port, `GET / HTTP/1.1\r\nHost: evil.example:${server.port}\r\n${auth}\r\n`)).toMatch(
      /^HTTP\/1.1 421/,
    )
    const origin = `http://evil.example:${server.port}`
    expect(
      await raw(
        server.port,
        `GET /api/ws HTTP/1.1\r\nHost: evil.example:${server.port}\r\nOrigin: ${origin}\r\n${auth}${upgradeHeaders}\r\n`,
      ),
    ).toMatch(/^HTTP\/1.1 421/)
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
      expect(await raw(server.port, `GET / HTTP/1.1\r\nHost: ${host}\r\n${auth}Connection: close\r\n\r\n`)).toMatch(
        /^HTTP\/1.1 200/,
      )
    }
    expect(await alive()).toBe(200)
  })

  it('lets a valid bearer token win over a stale cookie', async () => {
    const { origin, server } = await serve()
    const r = await fetch(`${origin}/`, {
      headers: { Cookie: 'studio_token=0123456789abcdef', Authorization: `Bearer ${server.token}` },
    })
    expect(r.status).toBe(200)
  })

  it('reads no request body: other methods get 405', async () => {
    const { origin, server, alive } = await serve()
    const r = await fetch(`${origin}/`, {
      method: 'POST',
      body: 'x'.repeat(1_000_000),
      headers: { Authorization: `Bearer ${server.token}` },
    })
    expect(r.status).toBe(405)
    expect(await alive()).toBe(200)
  })
})
