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

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text)
  } catch {
    return null
  }
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return safeDecode(v.join('='))
  }
  return null
}

/**
 * Whether the request carries the token: in the cookie set by the login exchange, a bearer header or
 * ?token=. Any valid one is enough, so a stale cookie from an earlier server does not hide a valid bearer.
 */
export function carriesToken(req: IncomingMessage, url: URL, token: string): boolean {
  const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1]
  const candidates = [cookieValue(req.headers.cookie, tokenCookie), bearer, url.searchParams.get('token')]
  return candidates.some((candidate) => sameToken(candidate, token))
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

/** The host name of a Host header, without its port; IPv6 keeps its brackets. */
export function hostName(header: string | undefined): string | null {
  const match = header?.trim().match(/^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i)
  return match ? match[1]!.toLowerCase() : null
}

/**
 * Against DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends
 * `Host: evil.example`, which is none of ours, and gets 421.
 */
export function hostAllowed(req: IncomingMessage, names: ReadonlySet<string>): boolean {
  const name = hostName(req.headers.host)
  return name !== null && names.has(name)
}
