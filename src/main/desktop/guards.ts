/**
 * What the shell refuses, as plain decisions that security.ts and ipc.ts wire to Electron. The
 * renderer is untrusted content as far as main is concerned: no navigation away from the app, no
 * new windows, only the permissions the app uses, and requests from our own page only.
 */
import { ApiError } from '../../shared/errors'
import type { AppPage } from './app-page'

/**
 * Sent as a header as well as the page's meta tag, which cannot carry frame-ancestors. Development
 * adds the dev server and its WebSocket (hot reload).
 */
export function contentSecurityPolicy(devOrigin: string | undefined): string {
  const dev = devOrigin ? ` ${devOrigin}` : ''
  const devSocket = devOrigin ? ` ${devOrigin.replace(/^http/, 'ws')}` : ''
  return [
    "default-src 'self'",
    `script-src 'self'${dev}`,
    "style-src 'self' 'unsafe-inline'", // naive-ui injects its styles at run time
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${dev}${devSocket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** A session's permission request handler: notifications only. */
export function answerPermission(_contents: unknown, permission: string, grant: (granted: boolean) => void): void {
  grant(permission === 'notifications')
}

export interface Preventable {
  preventDefault(): void
}

/** For will-navigate and will-redirect: the page may go only to itself (a route change, a reload). */
export function navigationGuard(page: Pick<AppPage, 'owns'>): (event: Preventable, url: string) => void {
  return (event, url) => {
    if (!page.owns(url)) event.preventDefault()
  }
}

/**
 * The sites the app links to (the datasets' and vectors' pages, the project, the CUDA and TensorFlow
 * docs). A page that is taken over cannot send the user's browser anywhere else.
 */
export const externalHosts = [
  'ai.stanford.edu',
  'nlp.stanford.edu',
  'github.com',
  'www.tensorflow.org',
  'developer.nvidia.com',
  'docs.nvidia.com',
]

/** Whether a link may open in the user's browser: https, to one of `externalHosts`. */
export function opensExternally(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  return parsed.protocol === 'https:' && !parsed.username && externalHosts.includes(parsed.hostname)
}

/**
 * For window.open and target=_blank: allowed links open in the user's browser; nothing opens inside
 * the app.
 */
export function windowOpenHandler(openExternal: (url: string) => void) {
  return ({ url }: { url: string }): { action: 'deny' } => {
    if (opensExternally(url)) openExternal(url)
    return { action: 'deny' }
  }
}

/** The frame an IPC message came from: Electron's WebFrameMain (null once it has navigated or gone). */
export interface SenderFrame {
  readonly url: string
  readonly parent: object | null
}

/** Why an IPC request is refused; undefined when it comes from our page's top frame (subframes are never ours). */
export function refuseSender(page: Pick<AppPage, 'owns'>, frame: SenderFrame | null): ApiError | undefined {
  if (frame && frame.parent === null && page.owns(frame.url)) return undefined
  const from = frame?.url || 'a frame that no longer exists'
  return new ApiError('unsupported', `Requests are accepted only from the app's own page, not ${from}.`)
}
