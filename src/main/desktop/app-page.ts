/**
 * The one page the app shows: the dev server in development, else the built index.html. Navigation,
 * IPC and the CSP all ask this object whether a URL is ours.
 */
import { posix, win32 } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the page loads: a BrowserWindow, or anything else with its two loaders. */
export interface PageHost {
  loadURL(url: string): Promise<void>
  loadFile(path: string): Promise<void>
}

export interface AppPage {
  /** The dev server's origin, in development. */
  readonly devOrigin: string | undefined
  load(host: PageHost): Promise<void>
  /** True for our page only: any other file:// URL (a file dropped on the window, say) is not ours. */
  owns(url: string): boolean
}

export function appPage(devServer: string | undefined, index: string, platform = process.platform): AppPage {
  const windows = platform === 'win32'
  const indexFile = (windows ? win32 : posix).resolve(index) // as loadFile resolves it
  const devOrigin = devServer ? new URL(devServer).origin : undefined
  // Windows paths compare case-insensitively (a drive letter may come back in either case).
  const samePath = windows ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase() : Object.is
  return {
    devOrigin,
    load: (host) => (devServer ? host.loadURL(devServer) : host.loadFile(indexFile)),
    owns(url) {
      try {
        const parsed = new URL(url)
        if (devOrigin) return parsed.origin === devOrigin
        return parsed.protocol === 'file:' && samePath(fileURLToPath(parsed, { windows }), indexFile)
      } catch {
        return false // not a URL, or a file URL naming another host
      }
    },
  }
}
