/** The main window: isolated, sandboxed, restored where it was. */
import { join } from 'node:path'
import { app, BrowserWindow } from 'electron'
import type { AppPage } from './app-page'
import { loadWindowState, trackWindowState } from './window-state'

export function createMainWindow(dataDir: string, page: AppPage): BrowserWindow {
  const state = loadWindowState(dataDir)
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Sentiment Studio',
    // Linux shows it in the title bar and task switcher (electron-builder.yml packs it too).
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  trackWindowState(win, dataDir)
  // Maximizing shows a window, so it waits until the page can paint.
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize()
    win.show()
  })
  page.load(win).catch((err: unknown) => console.error('Could not load the app page:', err))
  return win
}
