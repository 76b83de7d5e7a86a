/**
 * The renderer is untrusted content as far as main is concerned: a strict CSP, no navigation away
 * from the app, no new windows, no webviews, and only the permissions the app uses.
 */
import { app, session, shell, type WebContents } from 'electron'

const contentSecurityPolicy = (devServer: string | undefined) =>
  [
    "default-src 'self'",
    `script-src 'self'${devServer ? ` ${devServer}` : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${devServer ? ` ${devServer} ${devServer.replace(/^http/, 'ws')}` : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')

export function isAppUrl(url: string, devServer: string | undefined): boolean {
  return devServer ? url.startsWith(devServer) : url.startsWith('file://')
}

export function applySecurityPolicy(devServer: string | undefined): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(devServer)] },
    })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(permission === 'notifications'),
  )
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, devServer)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https?:\/\//.test(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
}
