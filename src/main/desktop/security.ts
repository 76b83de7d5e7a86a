/**
 * The renderer is untrusted content as far as main is concerned: a strict CSP, no navigation away
 * from the app, no new windows, no webviews, and only the permissions the app uses.
 */
import { app, session, shell } from 'electron'
import type { AppPage } from './app-page'

/**
 * Sent as a header as well as the page's meta tag, which cannot carry frame-ancestors. Development
 * adds the dev server and its WebSocket (hot reload).
 */
function contentSecurityPolicy(devOrigin: string | undefined): string {
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

export function applySecurityPolicy(page: AppPage): void {
  const csp = contentSecurityPolicy(page.devOrigin)
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
  })
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === 'notifications'),
  )
  app.on('web-contents-created', (_event, contents) => {
    const guard = (event: Electron.Event, url: string) => {
      if (!page.owns(url)) event.preventDefault()
    }
    contents.on('will-navigate', guard)
    contents.on('will-redirect', guard)
    contents.on('will-attach-webview', (event) => event.preventDefault())
    // Links to the web open in the user's browser; nothing opens inside the app.
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https?:\/\//i.test(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
}
