import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WsServerMessage } from '../../src/shared/ws-protocol'
import { openSocket, useServer } from '../fixtures/served'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()
const serve = useServer()

describe('serve mode', () => {
  it('binds loopback and prints a URL with its token', async () => {
    const { server } = await serve()
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[0-9a-f]{48}$/)
  })

  it('answers 401 without the token or with a wrong one', async () => {
    const { origin } = await serve()
    expect((await fetch(`${origin}/`)).status).toBe(401)
    expect((await fetch(`${origin}/assets/app.js`)).status).toBe(401)
    expect((await fetch(`${origin}/?token=wrong`)).status).toBe(401)
    expect((await fetch(`${origin}/`, { headers: { Cookie: 'studio_token=wrong' } })).status).toBe(401)
  })

  it('exchanges the token for a cookie, then serves files with it, and nothing outside the renderer', async () => {
    const { origin, server } = await serve()
    const login = await fetch(`${origin}/?token=${server.token}`, { redirect: 'manual' })
    expect(login.status).toBe(302)
    expect(login.headers.get('location')).toBe('/')
    const cookie = login.headers.get('set-cookie')!
    expect(cookie).toMatch(/studio_token=[0-9a-f]+; HttpOnly; SameSite=Strict/)
    const headers = { Cookie: cookie.split(';')[0]! }
    const page = await fetch(`${origin}/`, { headers })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Sentiment Studio')
    expect((await fetch(`${origin}/assets/app.js`, { headers })).headers.get('content-type')).toMatch(/javascript/)
    expect((await fetch(`${origin}/..%2f..%2fetc%2fpasswd`, { headers })).status).toBe(404)
    expect((await fetch(`${origin}/`, { headers: { Authorization: `Bearer ${server.token}` } })).status).toBe(200)
  })

  it('serves score downloads only with the token, and answers 404 for a score job that does not exist', async () => {
    const { origin, server } = await serve()
    expect((await fetch(`${origin}/downloads/scores/abc.csv`)).status).toBe(401)
    const headers = { Authorization: `Bearer ${server.token}` }
    const missing = await fetch(`${origin}/downloads/scores/abc.csv`, { headers })
    expect(missing.status).toBe(404)
    expect(await missing.text()).toMatch(/No score job with id abc/)
    expect((await fetch(`${origin}/downloads/scores/abc.exe`, { headers })).status).toBe(404)
  })

  it('refuses a WebSocket from another Origin or without the token', async () => {
    const { origin, server } = await serve()
    const wsUrl = `${origin.replace('http', 'ws')}/api/ws`
    await expect(openSocket(`${wsUrl}?token=${server.token}`, 'http://evil.example')).rejects.toThrow('HTTP 403')
    await expect(openSocket(wsUrl, origin)).rejects.toThrow('HTTP 401')
    const ws = await openSocket(`${wsUrl}?token=${server.token}`, origin)
    ws.close()
  })

  it('carries the contract and its events over the WebSocket', async () => {
    const { origin, server, ctx } = await serve()
    const ws = await openSocket(`${origin.replace('http', 'ws')}/api/ws?token=${server.token}`, origin)
    const messages: WsServerMessage[] = []
    ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as WsServerMessage))
    const until = async (pred: (m: WsServerMessage) => boolean) => {
      for (let i = 0; i < 200 && !messages.some(pred); i++) await new Promise((r) => setTimeout(r, 25))
      return messages.find(pred)
    }
    ws.send(JSON.stringify({ type: 'invoke', id: 1, name: 'jobs.list', payload: {} }))
    expect(await until((m) => m.type === 'result' && m.id === 1)).toEqual({
      type: 'result',
      id: 1,
      ok: true,
      result: [],
    })
    ws.send(JSON.stringify({ type: 'invoke', id: 2, name: 'jobs.get', payload: { id: 7 } }))
    expect(await until((m) => m.type === 'result' && m.id === 2)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', field: 'id' },
    })
    ws.send('not json') // ignored, the socket stays usable
    const vectors = join(tempDir(), 'vectors.txt')
    writeFileSync(vectors, 'good 0.1 0.2\nbad 0.3 0.4\n')
    const job = await ctx.jobs.run('inspect-vectors', { path: vectors })
    const event = await until((m) => m.type === 'event' && (m.data as { status: string }).status === 'succeeded')
    expect(event).toMatchObject({ type: 'event', name: 'job.updated', data: { id: job.id } })
    ws.close()
  })
})
