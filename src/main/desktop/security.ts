/** Applies the shell's guards (guards.ts) to Electron's session and to every web contents it creates. */
import { app, session, shell } from 'electron'
import type { AppPage } from './app-page'
import { answerPermission, contentSecurityPolicy, navigationGuard, windowOpenHandler } from './guards'

export function applySecurityPolicy(page: AppPage): void {
  const csp = contentSecurityPolicy(page.devOrigin)
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
  })
  session.defaultSession.setPermissionRequestHandler(answerPermission)
  const guard = navigationGuard(page)
  const openWindow = windowOpenHandler((url) => void shell.openExternal(url))
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', guard)
    contents.on('will-redirect', guard)
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(openWindow)
  })
}
