/** The serve mode's token: required on every HTTP request but the login exchange, and on the WebSocket. */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { tokenCookie } from '../../shared/ws-protocol'

export function newToken(): string {
  return randomBytes(24).toString('hex')
}

export function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return null
}

/** The token a request carries: the cookie set by the login exchange, a bearer header, or ?token=. */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1]
  return cookieValue(req.headers.cookie, tokenCookie) ?? bearer ?? url.searchParams.get('token')
}

export function loginCookie(token: string): string {
  return `${tokenCookie}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`
}

/** The WebSocket may only come from a page of this server: its Origin must match the Host it asked. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  const host = req.headers.host
  return !!origin && !!host && (origin === `http://${host}` || origin === `https://${host}`)
}
