/** The main window: isolated, sandboxed, restored where it was. */
import { join } from 'node:path'
import { BrowserWindow } from 'electron'
import { loadWindowState, trackWindowState } from './window-state'

export function createMainWindow(dataDir: string, devServer: string | undefined): BrowserWindow {
  const state = loadWindowState(dataDir)
  const win = new BrowserWindow({
    ...(state.placed ? state.bounds : { width: state.bounds.width, height: state.bounds.height }),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Sentiment Studio',
    icon: join(__dirname, '../../resources/icon.png'),
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  if (state.maximized) win.maximize()
  trackWindowState(win, dataDir)
  win.once('ready-to-show', () => win.show())
  if (devServer) void win.loadURL(devServer)
  else void win.loadFile(join(__dirname, '../renderer/index.html'))
  return win
}
