/**
 * Serve mode: one HTTP server for the built renderer and a WebSocket carrying the same contract as
 * Electron IPC. Loopback by default; a random token always (like Jupyter); the WebSocket's Origin
 * must be the server's own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { ApiError } from '../../shared/errors'
import { wsPath, type WsInvoke, type WsServerMessage } from '../../shared/ws-protocol'
import type { AppContext } from '../core/app-context'
import { loginCookie, newToken, originAllowed, requestToken, sameToken } from './auth'
import { sendStatic } from './static-files'

export interface ServeOptions {
  context: AppContext
  rendererDir: string
  host?: string
  port?: number
  token?: string
}

export interface RunningServer {
  url: string
  host: string
  port: number
  token: string
  close(): Promise<void>
}

const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newToken()
  const { context, rendererDir } = options

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v)
    handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end(`Internal error: ${(err as Error).message}`)
    })
  })

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const queryToken = url.searchParams.get('token')
    // The login exchange: a valid ?token= becomes a cookie, and the token leaves the address bar.
    if (req.method === 'GET' && queryToken !== null && sameToken(queryToken, token)) {
      url.searchParams.delete('token')
      res.writeHead(302, { 'Set-Cookie': loginCookie(token), Location: url.pathname + url.search })
      res.end()
      return
    }
    if (!sameToken(requestToken(req, url), token)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('Unauthorized: open the address Sentiment Studio printed when it started, with its ?token=.')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    await sendStatic(rendererDir, url.pathname, res)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (url.pathname !== wsPath) return refuse(404, 'Not Found')
    if (!sameToken(requestToken(req, url), token)) return refuse(401, 'Unauthorized')
    if (!originAllowed(req)) return refuse(403, 'Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  function attach(ws: WebSocket): void {
    const send = (m: WsServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m))
    }
    const unsubscribe = context.subscribe((name, data) => send({ type: 'event', name, data }))
    ws.on('close', unsubscribe)
    ws.on('message', (raw) => {
      let message: WsInvoke
      try {
        message = JSON.parse(raw.toString()) as WsInvoke
      } catch {
        return // not a message of ours; there is no id to answer
      }
      if (message?.type !== 'invoke' || typeof message.id !== 'number') return
      void context.invoke(message.name, message.payload).then(
        (envelope) => send({ type: 'result', id: message.id, ...envelope }),
        (err: unknown) =>
          send({ type: 'result', id: message.id, ok: false, error: new ApiError('internal', String(err)).toJSON() }),
      )
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = isLoopback(host) || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
