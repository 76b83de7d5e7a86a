/**
 * Serve mode: one HTTP server for the built renderer and a WebSocket carrying the same contract as
 * Electron IPC. Loopback by default; a random token always (like Jupyter); the WebSocket's Origin
 * must be the server's own, and every request's Host one of the server's names.
 *
 * No request may stop the server: every socket, request and WebSocket error ends that one
 * connection (with a status where HTTP still can answer) and the server goes on.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { ApiError } from '../../shared/errors'
import { wsPath, type WsInvoke, type WsServerMessage } from '../../shared/ws-protocol'
import type { AppContext } from '../core/app-context'
import { carriesToken, hostAllowed, loginCookie, newToken, originAllowed } from './auth'
import { serverNames, isLoopback } from './hosts'
import { sendDownload } from './downloads'
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

/** The largest WebSocket message a client may send: the contract's payloads are small. */
export const maxMessageBytes = 1024 * 1024

const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

/** The request's path and query, or null for a target `new URL` cannot read (an invalid port, say). */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://placeholder')
  } catch {
    return null
  }
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(text)
}

/** Refuses an upgrade on the raw socket (no HTTP response object exists there). */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  else socket.destroy()
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newToken()
  const names = serverNames(host)
  const { context, rendererDir } = options

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v)
    req.on('error', () => res.destroy())
    res.on('error', () => res.destroy())
    handleHttp(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy()
      answer(res, 500, `Internal error: ${err instanceof Error ? err.message : String(err)}`)
    })
  })
  // A request Node's parser refuses (bad request line, headers too large, a reset): answer that one.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy()
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  })

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req)
    if (!url) return answer(res, 400, 'Bad request: the address cannot be read.')
    if (!hostAllowed(req, names)) return answer(res, 421, 'Misdirected request: unknown Host.')
    const queryToken = url.searchParams.get('token')
    // The login exchange: a valid ?token= becomes a cookie, and the token leaves the address bar.
    if (req.method === 'GET' && queryToken !== null && carriesToken(req, url, token)) {
      url.searchParams.delete('token')
      res.writeHead(302, { 'Set-Cookie': loginCookie(token), Location: url.pathname + url.search })
      res.end()
      return
    }
    if (!carriesToken(req, url, token))
      return answer(
        res,
        401,
        'Unauthorized: open the address Sentiment Studio printed when it started, with its ?token=.',
      )
    // Only files are served: no request has a body, so none is read (the size limit on bodies is 0).
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', Connection: 'close' }).end()
      return
    }
    if (sendDownload(context, url.pathname, req.method === 'HEAD', res)) return
    await sendStatic(rendererDir, url.pathname, res)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = requestUrl(req)
    if (!url) return refuseUpgrade(socket, 400, 'Bad Request')
    if (url.pathname !== wsPath) return refuseUpgrade(socket, 404, 'Not Found')
    if (!hostAllowed(req, names)) return refuseUpgrade(socket, 421, 'Misdirected Request')
    if (!carriesToken(req, url, token)) return refuseUpgrade(socket, 401, 'Unauthorized')
    if (!originAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  function attach(ws: WebSocket): void {
    const send = (m: WsServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m))
    }
    // An oversized message, invalid UTF-8 or a bad frame: ws closes this socket (1009, 1007, 1002) after this event.
    ws.on('error', () => ws.terminate())
    const unsubscribe = context.subscribe((name, data) => send({ type: 'event', name, data }))
    ws.on('close', unsubscribe)
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return
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
