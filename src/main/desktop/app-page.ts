/**
 * The one page the app shows: the dev server in development, else the built index.html. Navigation,
 * IPC and the CSP all ask this object whether a URL is ours.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserWindow } from 'electron'

export interface AppPage {
  /** The dev server's origin, in development. */
  readonly devOrigin: string | undefined
  load(win: BrowserWindow): Promise<void>
  /** True for our page only: any other file:// URL (a file dropped on the window, say) is not ours. */
  owns(url: string): boolean
}

export function appPage(devServer: string | undefined, index: string): AppPage {
  const indexFile = resolve(index) // as loadFile resolves it
  const devOrigin = devServer ? new URL(devServer).origin : undefined
  // Windows paths compare case-insensitively (a drive letter may come back in either case).
  const samePath =
    process.platform === 'win32' ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase() : Object.is
  return {
    devOrigin,
    load: (win) => (devServer ? win.loadURL(devServer) : win.loadFile(indexFile)),
    owns(url) {
      try {
        const parsed = new URL(url)
        if (devOrigin) return parsed.origin === devOrigin
        return parsed.protocol === 'file:' && samePath(fileURLToPath(parsed), indexFile)
      } catch {
        return false // not a URL, or a file URL naming another host
      }
    },
  }
}
